/** Every entry of a .zip (a diagnostics bundle) as text, by name. */
import { text as readAll } from 'node:stream/consumers';
import { openPromise } from 'yauzl';

export async function unzip(path: string): Promise<Map<string, string>> {
  const zip = await openPromise(path);
  const files = new Map<string, string>();
  try {
    for await (const entry of zip.eachEntry()) files.set(entry.fileName, await readAll(await zip.openReadStreamPromise(entry)));
  } finally {
    zip.close();
  }
  return files;
}
