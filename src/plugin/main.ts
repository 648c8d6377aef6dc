// Figma sandbox entry (bundled to dist/code.js). The logic lives in controller.ts and the pure
// modules beside it; this file only starts it.
import { startPlugin } from './controller';

startPlugin();
