/** Built by web/portal-policies.ts: the self-check policies, loaded at build time, as tagged JSON. */
declare module 'virtual:portal-policies' {
  const shipped: unknown[];
  export default shipped;
}
