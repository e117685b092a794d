import { buildImage, importImage, type BuiltImage } from './build.js';
import { RECIPES } from './recipes.js';

export { buildImage, imageKey, importImage, type BuiltImage } from './build.js';
export { IMAGE_UID, PAUSE_RECIPE, RECIPES, type ImageRecipe } from './recipes.js';

// The local stack's images, built without Docker or a registry (Debian packages unpacked, this machine's binaries with
// their libraries, npm package trees, packed as one-layer OCI archives) and imported into a node's containerd. Each is
// cached under a key of everything it is made from (recipe, package versions, binary sizes and times, file contents),
// so an unchanged image costs only its key.

/** The images of the given names (all when none), built or found in the cache, imported into a node's containerd. */
export function ensureImages(socket: string, names?: readonly string[]): (BuiltImage & { imported: boolean })[] {
  const unknown = (names ?? []).filter((n) => !RECIPES.some((r) => r.name === n));
  if (unknown.length) throw new Error(`unknown image ${unknown.join(', ')}; known: ${RECIPES.map((r) => r.name).join(', ')}`);
  return RECIPES.filter((r) => !names || names.includes(r.name)).map((r) => {
    const image = buildImage(r);
    return { ...image, imported: importImage(socket, image) };
  });
}

/** The reference of a known image. */
export function imageRef(name: string): string {
  const r = RECIPES.find((x) => x.name === name);
  if (!r) throw new Error(`unknown image ${name}`);
  return r.ref;
}
