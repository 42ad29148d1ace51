// Preloaded into the console's web host by tests/bench/sip-bench.ts (`node --require`): for each INVITE received over
// UDP, the time from its `message` event to the moment its 180 Ringing is handed to the socket — the console's own
// share of INVITE → 180, without the network, Kamailio or sipp around it. One line per call, `<epoch ms> <ms>`, appended
// (asynchronously, after the 180 is on its way) to the file named by RC_BENCH_INVITE_LOG.
'use strict';
const dgram = require('node:dgram');
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

const file = process.env.RC_BENCH_INVITE_LOG;
if (file) {
  const CALL_ID = /\r\n(?:Call-ID|i)[ \t]*:[ \t]*([^\r]+)/i;
  const received = new Map();
  const emit = dgram.Socket.prototype.emit;
  dgram.Socket.prototype.emit = function (event, msg, ...rest) {
    if (event === 'message' && Buffer.isBuffer(msg) && msg.length > 7 && msg.latin1Slice(0, 7) === 'INVITE ') {
      const m = CALL_ID.exec(msg.latin1Slice(0, Math.min(msg.length, 4096)));
      if (m) {
        if (received.size > 1000) received.clear();
        received.set(m[1], performance.now());
      }
    }
    return emit.call(this, event, msg, ...rest);
  };
  const send = dgram.Socket.prototype.send;
  dgram.Socket.prototype.send = function (msg, ...rest) {
    const at = performance.now();
    const head = Buffer.isBuffer(msg) ? msg.latin1Slice(0, Math.min(msg.length, 4096)) : typeof msg === 'string' ? msg.slice(0, 4096) : '';
    if (head.startsWith('SIP/2.0 180 ')) {
      const m = CALL_ID.exec(head);
      const t = m && received.get(m[1]);
      if (t !== undefined) {
        received.delete(m[1]);
        fs.appendFile(file, `${Date.now()} ${(at - t).toFixed(3)}\n`, () => {});
      }
    }
    return send.call(this, msg, ...rest);
  };
}
