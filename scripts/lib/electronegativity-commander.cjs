// Electronegativity 1.10 uses commander 5's API without declaring the dependency (it relied on hoisting); the
// commander hoisted here is 14. Resolve its `require('commander')` to the commander 5 that @electron/asar brings.
const Module = require('node:module');
const path = require('node:path');
const commander5 = path.join(path.dirname(require.resolve('@electron/asar/package.json')), 'node_modules', 'commander');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === 'commander' && parent && parent.filename && parent.filename.includes(`${path.sep}@doyensec${path.sep}electronegativity${path.sep}`)) {
    return resolve.call(this, commander5, parent, ...rest);
  }
  return resolve.call(this, request, parent, ...rest);
};
