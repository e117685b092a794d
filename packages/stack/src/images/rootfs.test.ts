import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lddLibraries } from './rootfs.js';

test("the libraries and the loader ldd lists are found; the vDSO (no file) is not", () => {
  const out = [
    '\tlinux-vdso.so.1 (0x00007ffd)',
    '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f87)',
    '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f88)',
    '\t/lib64/ld-linux-x86-64.so.2 (0x00007f89)',
    '',
  ].join('\n');
  assert.deepEqual(lddLibraries(out), ['/lib/x86_64-linux-gnu/libdl.so.2', '/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib64/ld-linux-x86-64.so.2']);
  assert.deepEqual(lddLibraries('\tnot a dynamic executable\n'), []);
});
