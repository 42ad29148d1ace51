/**
 * Page code (a string, for init scripts: tests/bench is type-checked without the DOM library) shared by the benches
 * that time an update from its arrival in the page to the frame that shows it. It defines, in the init script's scope:
 *
 *   whenPainted(s, done)  call it at the end of the handler that applied the update (its t0 set when it started):
 *                         sets s.flushed after a few microtasks (Svelte's flush, queued during the handler, has run:
 *                         the DOM is updated), s.frame at the next requestAnimationFrame callback (the start of the
 *                         frame that shows it), s.painted in a MessageChannel task posted from that callback (runs once
 *                         the frame's style, layout and paint are done), then calls done().
 *
 *   probeSocket(probe)    wraps the page's WebSocket (the console's client adds its 'message' listener): each frame
 *                         sent goes to probe.sent(data) if given; for each message, probe.arrived(event) returns
 *                         the fields of a sample to time (or nothing: not timed); the sample gets t0 when the
 *                         client's handler starts, and goes to probe.shown(sample) once painted (whenPainted).
 *
 * The main-thread work the update cost is (s.flushed − s.t0) + (s.painted − s.frame); arrival → shown is
 * s.painted − s.t0 (which includes the wait for the next vsync, 0…16.7 ms at 60 Hz).
 */
export const PAINT_PROBE = `
  const afterMicrotasks = (n, fn) => (n === 0 ? fn() : queueMicrotask(() => afterMicrotasks(n - 1, fn)));
  const paintChannel = new MessageChannel();
  const afterPaint = [];
  paintChannel.port1.onmessage = () => { const next = afterPaint.shift(); if (next) next(); };
  const whenPainted = (s, done) => afterMicrotasks(3, () => {
    s.flushed = performance.now();
    requestAnimationFrame(() => {
      s.frame = performance.now();
      afterPaint.push(() => { s.painted = performance.now(); done(); });
      paintChannel.port2.postMessage(0);
    });
  });
  const probeSocket = (probe) => {
    const Native = globalThis.WebSocket;
    globalThis.WebSocket = class extends Native {
      send(data) {
        if (probe.sent) probe.sent(data);
        return super.send(data);
      }
      addEventListener(type, listener, options) {
        if (type !== 'message' || typeof listener !== 'function') return super.addEventListener(type, listener, options);
        return super.addEventListener(type, function (event) {
          const fields = probe.arrived(event);
          if (!fields) return listener.call(this, event);
          const s = { ...fields, t0: performance.now(), flushed: 0, frame: 0, painted: 0 };
          try {
            return listener.call(this, event);
          } finally {
            whenPainted(s, () => probe.shown(s));
          }
        }, options);
      }
    };
  };
`;
