/**
 * Evidence files are identified by their bytes, never by the name or the type the browser sent:
 * a text or HTML file called photo.jpg is refused, and what is served back carries the sniffed
 * type with nosniff, so an upload can never become a script on our origin.
 */
import { AppError } from '../../platform/errors.ts';
import { settings } from './settings.ts';

export interface Sniffed { mime: 'image/jpeg' | 'image/png' | 'image/webp' | 'application/pdf'; kind: 'photo' | 'document' }

export function sniff(buf: Buffer): Sniffed | undefined {
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return { mime: 'image/jpeg', kind: 'photo' };
  if (buf.length >= 24 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    && buf.subarray(12, 16).toString('latin1') === 'IHDR' && buf.readUInt32BE(16) > 0 && buf.readUInt32BE(20) > 0) {
    return { mime: 'image/png', kind: 'photo' };
  }
  if (buf.length >= 16 && buf.subarray(0, 4).toString('latin1') === 'RIFF' && buf.subarray(8, 12).toString('latin1') === 'WEBP'
    && buf.readUInt32LE(4) + 8 <= buf.length + 1) return { mime: 'image/webp', kind: 'photo' };
  if (buf.length >= 8 && buf.subarray(0, 5).toString('latin1') === '%PDF-') return { mime: 'application/pdf', kind: 'document' };
  return undefined;
}

/** Checks an upload: a real JPEG/PNG/WebP photo or PDF document within its size limit. */
export function checkUpload(buf: Buffer, truncated: boolean): Sniffed {
  const limits = settings().evidence;
  const max = Math.max(limits.maxPhotoBytes.value, limits.maxDocumentBytes.value);
  if (truncated || buf.length > max) throw new AppError('too_large', `file: larger than ${Math.round(max / 1048576)} MB`, { field: 'file' });
  if (buf.length === 0) throw new AppError('validation', 'file: empty', { field: 'file' });
  const s = sniff(buf);
  if (!s) throw new AppError('unsupported_media', 'file: not a JPEG, PNG or WebP photo or a PDF document (checked by its content, not its name)', { field: 'file' });
  const limit = s.kind === 'photo' ? limits.maxPhotoBytes.value : limits.maxDocumentBytes.value;
  if (buf.length > limit) throw new AppError('too_large', `file: a ${s.kind} may be at most ${Math.round(limit / 1048576)} MB`, { field: 'file' });
  return s;
}
