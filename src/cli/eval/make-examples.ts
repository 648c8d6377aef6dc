// The bundled example guides in examples/, made from the held-out scenes at 256²:
//   strokes-lake.png                      stroke painting of a lake scene (simulateStrokes)
//   edit-photo.png + edit-photo-mask.png  a real scene with a few painted strokes, and their mask
//   composite.png + composite-mask.png    a tree asset pasted on a scene, and its silhouette mask
//   asset-tree.png                        the asset itself (RGBA with alpha)
// Run through the eval binary: `node bin/sdedit-eval.js --make-examples [dir]`.
import * as path from 'node:path';
import { EXAMPLE_SCENES, compositeInput, strokeEdit, strokeGuide } from './guides';
import { writePngFile } from '../png';
import { writeChw, writeMask } from './png';
import { listScenes, loadScene } from './run';

export const EXAMPLE_SIZE = 256;

export function makeExamples(heldout: string, dir: string, size = EXAMPLE_SIZE): string[] {
  const files = listScenes(heldout);
  const scene = (i: number) => {
    if (i >= files.length) throw new Error(`make-examples: held-out scene ${i} missing in ${heldout}`);
    return loadScene(files[i], size);
  };
  const written: string[] = [];
  const out = (name: string) => {
    const f = path.join(dir, name);
    written.push(f);
    return f;
  };
  writeChw(out('strokes-lake.png'), strokeGuide(scene(EXAMPLE_SCENES.strokes), size), size, size);
  const edit = strokeEdit(scene(EXAMPLE_SCENES.edit), size);
  writeChw(out('edit-photo.png'), edit.guide, size, size);
  writeMask(out('edit-photo-mask.png'), edit.mask, size, size);
  const comp = compositeInput(scene(EXAMPLE_SCENES.composite), size);
  writeChw(out('composite.png'), comp.guide, size, size);
  writeMask(out('composite-mask.png'), comp.mask, size, size);
  writePngFile(out('asset-tree.png'), comp.asset, size, size);
  return written;
}
