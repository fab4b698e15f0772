/**
 * Shapes shared by the route-walking access test (server/src/access-control.test.ts) and the
 * per-module sample files (`server/src/modules/<module>/access.samples.ts`). Each module declares
 * a sample call for each of its non-public routes, which routes are public and why, and may seed
 * its own fixtures; the walk then checks 401 / 403 / other region / own region for every route.
 */
import type { LightMyRequestResponse } from 'fastify';
import type { Permission, Role } from '../platform/auth/roles.ts';
import type { TestApp } from './app.ts';
import type { Client } from './auth.ts';

export interface Place { district: string; street: string; community: string; grid: string }
export const OWN: Place = { district: '120101000000', street: '120101001000', community: '120101001001', grid: '120101001001-G1' };
export const OTHER: Place = { district: '120103000000', street: '120103001000', community: '120103001001', grid: '120103001001-G1' };
export const CITY = '120000000000';

export type Expect = 'not-found' | 'empty' | 'refused' | { unscoped: string } | { check: (res: LightMyRequestResponse) => void };
export interface Sample {
  /** A role holding the permission, and where its own-region binding is. */
  role: Role;
  own: (c: Client) => Promise<LightMyRequestResponse>;
  otherRegion: Expect;
}

/** What the walk gives each module: the app, signed-in clients per role and place, and the base fixtures. */
export interface SampleEnv {
  t: TestApp;
  client(role: Role, where: 'own' | 'other'): Promise<Client>;
  /** Person A (own grid, with a phone, head of household A), person B (other region), person C (own grid). */
  ids: { personA: number; personB: number; personC: number; householdA: number; citizenA: string; citizenC: string };
  /** A fresh valid citizen ID born 1961 in Heping. */
  newId(): string;
}

export interface ModuleAccess {
  /** Seeds what the samples need (runs once, after the base fixtures). */
  setup?(env: SampleEnv): Promise<void>;
  samples(env: SampleEnv): Record<string, Sample>;
  /** Public routes of the module ('GET /api/...') with why each needs no sign-in. */
  publicRoutes?: Record<string, string>;
  /** Routes for a signed-in resident (portal session). */
  residentRoutes?: string[];
  /** Permissions the samples exercise. */
  permissions?: Permission[];
}
