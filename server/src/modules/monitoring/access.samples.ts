/** Access samples for this module's routes (see server/src/testing/access-samples.ts). */
import type { ModuleAccess } from '../../testing/access-samples.ts';

const access: ModuleAccess = {
  samples: () => ({}),
};
export default access;
