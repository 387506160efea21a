// After `vite build`: writes dist/sw.js with the list of every file in dist (sorted, so the
// output is the same on every machine) and a version derived from their contents, so a new
// build installs a new service worker and an unchanged one does not.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

function files(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const paths = files(dist).map((path) => '/' + relative(dist, path).split(sep).join('/')).filter((p) => p !== '/sw.js');
const hash = createHash('sha256');
for (const path of paths) hash.update(path).update('\0').update(readFileSync(join(dist, path))).update('\0');
const version = hash.digest('hex').slice(0, 16);
const template = readFileSync(new URL('./sw-template.js', import.meta.url), 'utf8');
const shell = JSON.stringify(['/', ...paths].filter((p, i, all) => all.indexOf(p) === i), null, 2);
writeFileSync(join(dist, 'sw.js'), template.replace('__VERSION__', version).replace('__SHELL__', shell));
console.log(`sw.js: ${paths.length} files precached, version ${version}`);
