// The TUF 1.0 client of the tests: tuf-js's Updater over a repository
// served on loopback.
//
//   node client.js BASE_URL TRUSTED_ROOT WORKDIR [TARGET...]
//
// Refreshes the top-level metadata from BASE_URL (metadata at BASE_URL/,
// targets at BASE_URL/targets/), trusting TRUSTED_ROOT first; then, for
// each TARGET, finds it through the delegations and downloads it into
// WORKDIR/targets, checking length and hashes.  Prints one JSON line per
// step: {"refresh":"ok"} | {"target":PATH,"ok":true,"length":N,"path":FILE}
// | {"target":PATH,"ok":false,"error":MSG} | {"error":MSG}.  Exit status 0
// when every step succeeded, 1 otherwise.
'use strict';
const fs = require('fs');
const path = require('path');
const { Updater } = require('tuf-js');

async function main() {
  const [base, trusted, work, ...targets] = process.argv.slice(2);
  if (!base || !trusted || !work) {
    console.error('usage: node client.js BASE_URL TRUSTED_ROOT WORKDIR [TARGET...]');
    process.exit(2);
  }
  const metadataDir = path.join(work, 'metadata');
  const targetDir = path.join(work, 'targets');
  fs.mkdirSync(metadataDir, { recursive: true });
  fs.mkdirSync(targetDir, { recursive: true });
  // The cached metadata of an earlier run stays: a rollback test relies on it.
  if (!fs.existsSync(path.join(metadataDir, 'root.json'))) {
    fs.copyFileSync(trusted, path.join(metadataDir, 'root.json'));
  }
  const updater = new Updater({
    metadataDir,
    metadataBaseUrl: base,
    targetDir,
    targetBaseUrl: base.replace(/\/$/, '') + '/targets/',
  });
  let failed = false;
  try {
    await updater.refresh();
    console.log(JSON.stringify({ refresh: 'ok' }));
  } catch (e) {
    console.log(JSON.stringify({ error: `${e.name}: ${e.message}` }));
    process.exit(1);
  }
  for (const t of targets) {
    try {
      const info = await updater.getTargetInfo(t);
      if (!info) throw new Error('no such target');
      const file = path.join(targetDir, t.replace(/\//g, '%2F'));
      const got = await updater.downloadTarget(info, file);
      console.log(JSON.stringify({ target: t, ok: true, length: info.length, path: got }));
    } catch (e) {
      failed = true;
      console.log(JSON.stringify({ target: t, ok: false, error: `${e.name}: ${e.message}` }));
    }
  }
  process.exit(failed ? 1 : 0);
}

main();
