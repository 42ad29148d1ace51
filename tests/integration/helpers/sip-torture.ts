/**
 * Hostile SIP for the console, in two parts.
 *
 * 1. Our own cases, one per RFC 4475 category (§3.1.1 valid but tortuous, §3.1.2 invalid, §3.2 transaction layer,
 *    §3.3 application layer) plus what that RFC leaves out and a console meets in the field (NUL bytes, non-UTF-8,
 *    64 KiB headers, 1000 Vias, prototype-polluting header names, STUN/HTTP/TLS bytes on the SIP port). The messages
 *    are written here from the categories; none is copied from the RFC.
 * 2. Seeded mutations (bit flips, byte insertion/deletion, header duplication/removal, number fields pushed to their
 *    extremes, line-ending damage, XML damage) of a valid INVITE and of NOTIFY bodies (dialog-info+xml for the BLF,
 *    simple-message-summary for the MWI).
 *
 * Every message is addressed to the console as the fake PBX knows it (its registered Contact, the sent-by of its
 * Via), so that it reaches as deep into the stack as its damage allows.
 */
import type { FakePbx } from './fake-pbx';
import { build, Rng, type WireTransport } from './sip-wire';

export type TortureCategory = 'valid-tricky' | 'invalid' | 'transaction' | 'application';

export interface TortureContext {
  readonly transport: WireTransport;
  readonly pbx: FakePbx;
  readonly rng: Rng;
  /** Largest message this transport carries (a UDP datagram); bigger cases shrink to fit. */
  readonly maxBytes: number;
}

export interface TortureCase {
  readonly id: string;
  readonly category: TortureCategory;
  /** The RFC 4475 test this one is modelled on, when there is one (e.g. "3.1.2.2 clerr"). */
  readonly after?: string;
  /** The wire messages, sent in order. */
  build(ctx: TortureContext): (string | Buffer)[];
}

// ── building blocks ───────────────────────────────────────────────────────────────────────────────────────────────

interface Parts {
  firstLine: string;
  headers: string[];
  body: string;
  /** undefined: computed; null: no Content-Length header. */
  contentLength?: string | null;
}

const id = (ctx: TortureContext, n = 6): string => ctx.rng.hex(n);
const branch = (ctx: TortureContext): string => `z9hG4bK${id(ctx)}`;
const transportParam = (ctx: TortureContext): string => (ctx.transport === 'udp' ? '' : `;transport=${ctx.transport}`);

export function offerSdp(ip = '127.0.0.1'): string {
  return ['v=0', `o=pbx 2000 1 IN IP4 ${ip}`, 's=-', `c=IN IP4 ${ip}`, 't=0 0', 'm=audio 41000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
}

/** A valid out-of-dialog request to the console; cases then spoil it. */
function request(ctx: TortureContext, method: string, o: { from?: string; body?: string; contentType?: string; extra?: string[] } = {}): Parts {
  const pbx = ctx.pbx;
  const headers = [
    pbx.via(branch(ctx)),
    'Max-Forwards: 70',
    `From: ${o.from ?? `"Torture" <sip:torture@${pbx.host}>`};tag=${id(ctx)}`,
    `To: <sip:${pbx.options.user}@${pbx.host}>`,
    `Call-ID: torture-${id(ctx, 8)}@${pbx.host}`,
    `CSeq: ${ctx.rng.int(1, 9999)} ${method}`,
    `Contact: <sip:torture@${pbx.hostPort}${transportParam(ctx)}>`,
    ...(o.extra ?? []),
  ];
  const body = o.body ?? '';
  if (body !== '') headers.push(`Content-Type: ${o.contentType ?? 'application/sdp'}`);
  return { firstLine: `${method} ${pbx.contact} SIP/2.0`, headers, body };
}

const invite = (ctx: TortureContext, o: { from?: string; extra?: string[] } = {}): Parts => request(ctx, 'INVITE', { ...o, body: offerSdp() });

function render(p: Parts): string {
  return build(p.firstLine, p.headers, p.body, p.contentLength);
}

/** Binary-safe rendering: header text + raw body bytes. */
function renderBytes(p: Parts, body: Buffer, contentLength: string | number = body.length): Buffer {
  const head = `${[p.firstLine, ...p.headers, `Content-Length: ${contentLength}`].join('\r\n')}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), body]);
}

function without(p: Parts, name: string): Parts {
  const re = new RegExp(`^${name}\\s*:`, 'i');
  return { ...p, headers: p.headers.filter((h) => !re.test(h)) };
}

function replaced(p: Parts, name: string, line: string): Parts {
  const re = new RegExp(`^${name}\\s*:`, 'i');
  return { ...p, headers: p.headers.map((h) => (re.test(h) ? line : h)) };
}

/** A response to nothing we ever asked: our Via (so SIP.js's sent-by check passes), a branch nobody used. */
function strayResponse(ctx: TortureContext, status: string, method: string, extra: string[] = [], body = ''): string {
  const pbx = ctx.pbx;
  return build(
    `SIP/2.0 ${status}`,
    [
      `Via: SIP/2.0/${ctx.transport.toUpperCase()} ${pbx.uaVia};branch=${branch(ctx)};rport`,
      `From: <sip:${pbx.options.user}@${pbx.host}>;tag=${id(ctx)}`,
      `To: <sip:someone@${pbx.host}>;tag=${id(ctx)}`,
      `Call-ID: stray-${id(ctx, 8)}`,
      `CSeq: ${ctx.rng.int(1, 99)} ${method}`,
      ...extra,
    ],
    body,
  );
}

const fit = (ctx: TortureContext, wanted: number, overhead = 1500): number => Math.max(1024, Math.min(wanted, ctx.maxBytes - overhead));

// ── the cases ─────────────────────────────────────────────────────────────────────────────────────────────────────

export const TORTURE_CASES: readonly TortureCase[] = [
  // §3.1.1 — valid, but written to trip a careless parser.
  {
    id: 'tortuous-whitespace-and-folding',
    category: 'valid-tricky',
    after: '3.1.1.1 wsinv',
    build: (ctx) => {
      const pbx = ctx.pbx;
      const body = offerSdp();
      return [
        [
          `INVITE ${pbx.contact} SIP/2.0`,
          `tO   :\r\n   <sip:${pbx.options.user}@${pbx.host}>  ;  odd-param = "spaced value"`,
          `fROM:  "Ann \\"The Torturer\\" O\\\\Neil"\t<sip:ann@${pbx.host}>\r\n   ;\r\n  tag  =  ${id(ctx)}`,
          'mAx-FoRwArDs:   000070',
          `cALL-iD  : folding.${id(ctx)}@${pbx.host}`,
          `Content-Length   :   ${Buffer.byteLength(body)}`,
          'cseq:    000042     INVITE',
          `Via   :   SIP  /  2.0\r\n  /${ctx.transport.toUpperCase()}\r\n   ${pbx.hostPort};branch=${branch(ctx)}`,
          ' ',
          's   :',
          'X-Newly-Invented:   first part\r\n\t second part\r\n third part',
          'X-Only-Separators: ;;,,;;,;',
          'c: application/sdp',
          `v:  SIP / 2.0 / SCTP    far.example.invalid ;\r\n  branch  =   z9hG4bKfar1  ,\r\n SIP/2.0/UDP   198.51.100.7  ;branch=\r\n z9hG4bKfar2`,
          `m: "Quote \\"\\"" <sip:ann@${pbx.hostPort}${transportParam(ctx)}> ; newparam =\r\n value ;\r\n flag ; q = 0.25`,
          '',
          body,
        ].join('\r\n'),
      ];
    },
  },
  {
    id: 'wide-range-of-valid-characters',
    category: 'valid-tricky',
    after: '3.1.1.2 intmeth',
    build: (ctx) => {
      const p = invite(ctx, {
        from: `"Jérôme Ærøskøbing 東京 Ωμέγα 🎧" <sip:-_.!~*'()&=+$,;?/@${ctx.pbx.host}>`,
        extra: [
          "X-!Interesting-Token.%*_+`'~: !%*_+`'~-.",
          `Subject: ${'¡Hola! ¿Qué tal? ÀÉÎÕÜ ñ ß ø å ж щ ё ข ก ア イ'}`,
          `Organization: ${'\u00a0\u2002\u2003\u3000'}mixed spaces`,
          `X-Params: value;-.!%*_+\`'~=token-value;flag`,
        ],
      });
      return [render(p)];
    },
  },
  {
    id: 'escaped-characters-in-uris',
    category: 'valid-tricky',
    after: '3.1.1.3 esc01 / 3.1.1.4 escnull',
    build: (ctx) => [
      render(invite(ctx, { from: `<sip:%61%6Cice%20smith@${ctx.pbx.host};tr%69al=te%73t>` })),
      render(invite(ctx, { from: `<sip:null-%00-null@${ctx.pbx.host}>`, extra: [`Reply-To: <sip:null-%00%00@${ctx.pbx.host}>`] })),
    ],
  },
  {
    id: 'percent-that-is-not-an-escape',
    category: 'valid-tricky',
    after: '3.1.1.5 esc02',
    build: (ctx) => [render(invite(ctx, { from: `"100% real, %ZZ not hex" <sip:pct@${ctx.pbx.host}>`, extra: ['Subject: 50% off %'] }))],
  },
  {
    id: 'no-space-before-angle-bracket',
    category: 'valid-tricky',
    after: '3.1.1.6 lwsdisp',
    build: (ctx) => [render(invite(ctx, { from: `"tight"<sip:tight@${ctx.pbx.host}>` }))],
  },
  {
    id: 'long-values',
    category: 'valid-tricky',
    after: '3.1.1.7 longreq',
    build: (ctx) => {
      const pbx = ctx.pbx;
      const p = invite(ctx, {
        from: `"${'L'.repeat(fit(ctx, 4096, 20_000))}" <sip:${'u'.repeat(512)}@${pbx.host}>`,
        extra: [
          `X-Long-Value: ${'v'.repeat(fit(ctx, 8192, 20_000))}`,
          `X-Many-Values: ${Array.from({ length: 200 }, (_, i) => `value${i}`).join(', ')}`,
          `Record-Route: ${Array.from({ length: 40 }, (_, i) => `<sip:proxy${i}.example.invalid;lr>`).join(', ')}`,
          `Supported: ${Array.from({ length: 60 }, (_, i) => `ext${i}`).join(',')}`,
        ],
      });
      return [render(replaced(p, 'Call-ID', `Call-ID: ${'c'.repeat(2048)}@${pbx.host}`))];
    },
  },
  {
    id: 'extra-octets-after-the-body',
    category: 'valid-tricky',
    after: '3.1.1.8 dblreq',
    build: (ctx) => [`${render(request(ctx, 'OPTIONS'))}trailing octets the transport must discard\r\n`],
  },
  {
    id: 'semicolons-in-the-user-part',
    category: 'valid-tricky',
    after: '3.1.1.9 semiuri',
    build: (ctx) => [render(invite(ctx, { from: `<sip:+1-555-0100;phone-context=+1;isub=42@${ctx.pbx.host};user=phone>` }))],
  },
  {
    id: 'unknown-transports-in-via',
    category: 'valid-tricky',
    after: '3.1.1.10 transports',
    build: (ctx) => {
      const p = invite(ctx);
      const top = p.headers.findIndex((h) => h.startsWith('Via:'));
      p.headers.splice(top + 1, 0, 'Via: SIP/2.0/SCTP a.example.invalid;branch=z9hG4bKsctp', 'Via: SIP/2.0/TLS-SCTP b.example.invalid;branch=z9hG4bKtlssctp', 'Via: SIP/2.0/CARRIER-PIGEON c.example.invalid;branch=z9hG4bKbird', 'Via: SIP/2.0/WSS d.example.invalid;branch=z9hG4bKwss');
      return [render(p)];
    },
  },
  {
    id: 'multipart-body',
    category: 'valid-tricky',
    after: '3.1.1.11 mpart01',
    build: (ctx) => {
      const boundary = `b-${id(ctx)}`;
      const body = [
        `--${boundary}`,
        'Content-Type: application/sdp',
        '',
        offerSdp(),
        `--${boundary}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'a note for nobody',
        `--${boundary}`,
        'Content-Type: application/octet-stream',
        'Content-Transfer-Encoding: binary',
        '',
        '\u0001\u0002\u0003',
        `--${boundary}--`,
        '',
      ].join('\r\n');
      return [render(request(ctx, 'INVITE', { body, contentType: `multipart/mixed;boundary=${boundary}` }))];
    },
  },
  {
    id: 'unusual-and-empty-reason-phrases',
    category: 'valid-tricky',
    after: '3.1.1.12 unreason / 3.1.1.13 noreason',
    build: (ctx) => [
      strayResponse(ctx, '200 Всё хорошо — 2**3 * 5**2 ≠ 199 «ok» ☎', 'OPTIONS'),
      strayResponse(ctx, '100 ', 'INVITE'),
      strayResponse(ctx, '180', 'INVITE'),
    ],
  },
  {
    id: 'many-headers',
    category: 'valid-tricky',
    build: (ctx) => [render(invite(ctx, { extra: Array.from({ length: 500 }, (_, i) => `X-Header-${String(i).padStart(3, '0')}: value ${i}`) }))],
  },
  {
    id: 'compact-forms-only',
    category: 'valid-tricky',
    build: (ctx) => {
      const pbx = ctx.pbx;
      const body = offerSdp();
      return [
        build(
          `INVITE ${pbx.contact} SIP/2.0`,
          [
            `v: SIP/2.0/${ctx.transport.toUpperCase()} ${pbx.hostPort};branch=${branch(ctx)}`,
            `f: <sip:compact@${pbx.host}>;tag=${id(ctx)}`,
            `t: <sip:${pbx.options.user}@${pbx.host}>`,
            `i: compact-${id(ctx)}`,
            'CSeq: 1 INVITE',
            'Max-Forwards: 70',
            `m: <sip:compact@${pbx.hostPort}${transportParam(ctx)}>`,
            'c: application/sdp',
            's: compact subject',
            'k: timer, replaces',
            'o: dialog',
            'u: dialog, message-summary',
          ],
          body,
        ).replace(/^Content-Length:/m, 'l:'),
      ];
    },
  },
  {
    id: 'other-uri-schemes-in-headers',
    category: 'valid-tricky',
    after: '3.3.3 unksm2',
    build: (ctx) => [
      render(
        invite(ctx, {
          from: '<tel:+1-555-0199;phone-context=example.invalid>',
          extra: [
            'P-Asserted-Identity: <tel:+15550199>, "Web" <http://example.invalid/~caller>',
            'Alert-Info: <http://example.invalid/ring.wav>;info=alert-internal',
            'Call-Info: <urn:uuid:00000000-0000-0000-0000-000000000000>;purpose=icon',
            'Referred-By: <mailto:someone@example.invalid>',
            'Reply-To: <im:someone@example.invalid>',
          ],
        }),
      ),
    ],
  },
  {
    id: 'sips-and-unknown-request-uri-schemes',
    category: 'application',
    after: '3.3.1 unkscm / 3.3.2 novelsc',
    build: (ctx) => {
      const user = ctx.pbx.options.user;
      const sips = invite(ctx);
      sips.firstLine = `INVITE sips:${user}@${ctx.pbx.host} SIP/2.0`;
      const unknown = request(ctx, 'OPTIONS');
      unknown.firstLine = 'OPTIONS nobody-knows-this:scheme-specific-part SIP/2.0';
      const tel = request(ctx, 'OPTIONS');
      tel.firstLine = `OPTIONS tel:${user} SIP/2.0`;
      return [render(sips), render(unknown), render(tel)];
    },
  },
  {
    id: 'zero-max-forwards',
    category: 'application',
    after: '3.3.14 zeromf',
    build: (ctx) => [render(replaced(invite(ctx), 'Max-Forwards', 'Max-Forwards: 0')), render(replaced(request(ctx, 'OPTIONS'), 'Max-Forwards', 'Max-Forwards: 0'))],
  },
  {
    id: 'unsolicited-mwi-and-other-methods',
    category: 'application',
    build: (ctx) => {
      const mwi = request(ctx, 'NOTIFY', { body: 'Messages-Waiting: yes\r\nVoice-Message: 3/7 (1/0)\r\n', contentType: 'application/simple-message-summary', extra: ['Event: message-summary', 'Subscription-State: active'] });
      return [
        render(mwi),
        render(request(ctx, 'MESSAGE', { body: 'hello from nowhere', contentType: 'text/plain' })),
        render(request(ctx, 'INFO')),
        render(request(ctx, 'SUBSCRIBE', { extra: ['Event: dialog', 'Expires: 3600'] })),
        render(request(ctx, 'REGISTER', { extra: ['Expires: 3600'] })),
        render(request(ctx, 'PUBLISH', { extra: ['Event: presence'], body: '<presence/>', contentType: 'application/pidf+xml' })),
        render(request(ctx, 'REFER', { extra: [`Refer-To: <sip:evil@${ctx.pbx.host}>`] })),
        render(request(ctx, 'UPDATE')),
        render(request(ctx, 'PRACK', { extra: ['RAck: 1 1 INVITE'] })),
        render(request(ctx, 'BRANDNEWMETHOD')),
      ];
    },
  },
  {
    id: 'require-and-proxy-require-unknown',
    category: 'application',
    after: '3.3.5 bext01',
    build: (ctx) => [render(invite(ctx, { extra: ['Require: nothing-supports-this, another-unknown', 'Proxy-Require: also-unknown'] }))],
  },
  {
    id: 'unknown-content-type-and-encoding',
    category: 'application',
    after: '3.3.6 invut',
    build: (ctx) => [
      render(request(ctx, 'INVITE', { body: '<nothing>at all</nothing>', contentType: 'application/unknownformat' })),
      render(request(ctx, 'INVITE', { body: '\u001f\u008b\u0008garbage-not-gzip', contentType: 'application/sdp', extra: ['Content-Encoding: gzip'] })),
      render(request(ctx, 'INVITE', { body: 'this is not sdp at all\r\nm=\r\nc=IN IP9 ::::\r\n', contentType: 'application/sdp' })),
    ],
  },
  {
    id: 'unknown-authorization-scheme',
    category: 'application',
    after: '3.3.7 regaut01',
    build: (ctx) => [render(invite(ctx, { extra: ['Authorization: NoOneKnowsThisScheme opaque-data=here', 'Proxy-Authorization: Digest username="x", realm=, nonce'] }))],
  },
  {
    id: 'several-values-in-single-value-fields',
    category: 'invalid',
    after: '3.3.8 multi01',
    build: (ctx) => {
      const p = invite(ctx);
      p.headers.push(`From: <sip:second@${ctx.pbx.host}>;tag=second`, `To: <sip:also@${ctx.pbx.host}>`, 'Call-ID: a-second-call-id', 'CSeq: 77 INVITE', 'Max-Forwards: 12');
      return [render(p)];
    },
  },
  {
    id: 'accept-nothing-we-offer',
    category: 'application',
    after: '3.3.13 sdp01',
    build: (ctx) => [render(invite(ctx, { extra: ['Accept: text/nobodyknowsthis'] }))],
  },
  {
    id: 'rfc2543-style-request',
    category: 'application',
    after: '3.4.1 inv2543',
    build: (ctx) => {
      const pbx = ctx.pbx;
      const body = offerSdp();
      return [
        build(
          `INVITE ${pbx.contact} SIP/2.0`,
          [`Via: SIP/2.0/${ctx.transport.toUpperCase()} ${pbx.hostPort}`, `From: <sip:old@${pbx.host}>`, `To: <sip:${pbx.options.user}@${pbx.host}>`, `Call-ID: old-${id(ctx)}`, 'CSeq: 1 INVITE', 'Content-Type: application/sdp'],
          body,
        ),
      ];
    },
  },

  // §3.1.2 — invalid messages.
  {
    id: 'content-length-larger-than-body',
    category: 'invalid',
    after: '3.1.2.2 clerr',
    build: (ctx) => [render({ ...invite(ctx), contentLength: '9999' })],
  },
  {
    id: 'content-length-smaller-than-body',
    category: 'invalid',
    build: (ctx) => [render({ ...invite(ctx), contentLength: '5' })],
  },
  {
    id: 'content-length-negative-or-not-a-number',
    category: 'invalid',
    after: '3.1.2.3 ncl',
    build: (ctx) => [render({ ...invite(ctx), contentLength: '-999' }), render({ ...invite(ctx), contentLength: 'twelve' }), render({ ...invite(ctx), contentLength: '0x10' }), render({ ...invite(ctx), contentLength: '' })],
  },
  {
    id: 'content-length-overflow',
    category: 'invalid',
    build: (ctx) => [render({ ...invite(ctx), contentLength: '18446744073709551616' })],
  },
  {
    id: 'body-without-a-usable-content-type',
    category: 'invalid',
    build: (ctx) => [
      render(without(invite(ctx), 'Content-Type')),
      render(replaced(invite(ctx), 'Content-Type', 'Content-Type: ;;;')),
      render(replaced(invite(ctx), 'Content-Type', 'Content-Type: application/sdp; charset="unterminated')),
      render(invite(ctx, { extra: ['Content-Disposition: ;;bogus'] })),
    ],
  },
  {
    id: 'content-length-twice',
    category: 'invalid',
    after: '3.3.9 mcl01',
    build: (ctx) => {
      const p = invite(ctx);
      p.headers.push('Content-Length: 0');
      return [render(p)];
    },
  },
  {
    id: 'overlarge-scalar-fields',
    category: 'invalid',
    after: '3.1.2.4 scalar02 / 3.1.2.5 scalarlg',
    build: (ctx) => [
      render(
        replaced(replaced(invite(ctx, { extra: ['Expires: 99999999999999999999999999', 'Retry-After: 18446744073709551616', 'Session-Expires: 1e400', 'Min-SE: -5'] }), 'CSeq', 'CSeq: 36893488147419103232 INVITE'), 'Max-Forwards', 'Max-Forwards: 300000000000000000000'),
      ),
      strayResponse(ctx, '503 Service Unavailable', 'INVITE', ['Warning: 1812 overture "warning"', 'Retry-After: 18446744073709551617', 'Expires: 99999999999999999999999']),
    ],
  },
  {
    id: 'unterminated-quoted-string',
    category: 'invalid',
    after: '3.1.2.6 quotbal',
    build: (ctx) => [render(invite(ctx, { from: `"Never closed <sip:q@${ctx.pbx.host}>` })), render(invite(ctx, { extra: ['Subject: "opened and \\'] }))],
  },
  {
    id: 'request-uri-garbage',
    category: 'invalid',
    after: '3.1.2.7 ltgtruri / 3.1.2.8 lwsruri / 3.1.2.9 lwsstart / 3.1.2.10 trws / 3.1.2.11 escruri',
    build: (ctx) => {
      const c = ctx.pbx.contact ?? '';
      const lines = [
        `INVITE <${c}> SIP/2.0`,
        `INVITE ${c}; transport=udp SIP/2.0`,
        `INVITE  ${c}   SIP/2.0`,
        `OPTIONS ${c} SIP/2.0 `,
        `INVITE ${c}?Route=%3Csip:evil.example.invalid%3E&Subject=hi SIP/2.0`,
        'INVITE sip:@ SIP/2.0',
        'INVITE ::::::: SIP/2.0',
        'INVITE  SIP/2.0',
        'INVITE sip:1001@[:::1]:99999 SIP/2.0',
        `INVITE sip:${'a'.repeat(fit(ctx, 8000, 4000))}@127.0.0.1 SIP/2.0`,
        `INVITE ${c};${';'.repeat(500)} SIP/2.0`,
        `INVITE ${c}%00 SIP/2.0`,
        'INVITE',
        'SIP/2.0',
        ` INVITE ${c} SIP/2.0`,
      ];
      return lines.map((line) => render({ ...invite(ctx), firstLine: line }));
    },
  },
  {
    id: 'bad-date',
    category: 'invalid',
    after: '3.1.2.12 baddate',
    build: (ctx) => [render(invite(ctx, { extra: ['Date: Sun, 31 Feb 2099 25:61:61 XYZ'] })), render(invite(ctx, { extra: ['Date: yesterday'] }))],
  },
  {
    id: 'name-addr-without-angle-brackets',
    category: 'invalid',
    after: '3.1.2.13 regbadct',
    build: (ctx) => [render(replaced(invite(ctx), 'Contact', `Contact: sip:pbx@${ctx.pbx.hostPort}?Route=%3Csip:x%3E;tag=odd;lr`))],
  },
  {
    id: 'spaces-in-addr-spec',
    category: 'invalid',
    after: '3.1.2.14 badaspec',
    build: (ctx) => [render(replaced(invite(ctx), 'To', `To: sip: ${ctx.pbx.options.user} @ ${ctx.pbx.host} ;`))],
  },
  {
    id: 'unquoted-non-token-display-name',
    category: 'invalid',
    after: '3.1.2.15 baddn',
    build: (ctx) => [render(invite(ctx, { from: `Bob Smith@Home, Inc. <sip:b@${ctx.pbx.host}>` }))],
  },
  {
    id: 'unknown-protocol-version',
    category: 'invalid',
    after: '3.1.2.16 badvers',
    build: (ctx) => {
      const c = ctx.pbx.contact ?? '';
      return ['SIP/7.0', 'SIP/2.0x', 'HTTP/1.1', 'SIP/', 'sip/2.0'].map((v) => render({ ...invite(ctx), firstLine: `INVITE ${c} ${v}` }));
    },
  },
  {
    id: 'start-line-and-cseq-disagree',
    category: 'invalid',
    after: '3.1.2.17 mismatch01 / 3.1.2.18 mismatch02',
    build: (ctx) => [
      render(replaced(invite(ctx), 'CSeq', 'CSeq: 1 OPTIONS')),
      render(replaced(request(ctx, 'NEWMETHOD'), 'CSeq', 'CSeq: 1 INVITE')),
      render(replaced(request(ctx, 'ACK'), 'CSeq', 'CSeq: 1 BYE')),
    ],
  },
  {
    id: 'overlarge-or-odd-status-codes',
    category: 'invalid',
    after: '3.1.2.19 bigcode',
    build: (ctx) => ['4294967301 Huge', '99 Too Low', 'abc Letters', '700 Undefined Class', '0 Zero', '-200 Negative', '2000 Four Digits'].map((s) => strayResponse(ctx, s, 'INVITE')),
  },
  {
    id: 'missing-mandatory-headers',
    category: 'invalid',
    after: '3.3.4 insuf',
    build: (ctx) => ['Call-ID', 'From', 'To', 'CSeq', 'Via', 'Max-Forwards', 'Contact'].map((h) => render(without(invite(ctx), h))),
  },
  {
    id: 'bad-cseq-values',
    category: 'invalid',
    build: (ctx) => ['abc INVITE', '-1 INVITE', '1', 'INVITE', '4294967296 INVITE', '1 invite', '', '1  INVITE extra', '9007199254740993 INVITE'].map((v) => render(replaced(invite(ctx), 'CSeq', `CSeq: ${v}`))),
  },
  {
    id: 'bad-via-values',
    category: 'invalid',
    build: (ctx) =>
      [
        'SIP/2.0/UDP',
        'rubbish',
        `SIP/2.0/UDP 127.0.0.1:99999999;branch=${branch(ctx)}`,
        'SIP/2.0/UDP 127.0.0.1',
        `SIP/3.0/UDP 127.0.0.1;branch=${branch(ctx)}`,
        'SIP/2.0/UDP [::1;branch=z9hG4bKbroken',
        '',
        `SIP/2.0/UDP 127.0.0.1;branch=${branch(ctx)};received=not-an-ip;rport=abc;ttl=999999`,
        `SIP/2.0/UDP 255.255.255.255;branch=${branch(ctx)};maddr=224.0.0.1`,
      ].map((v) => render(replaced(invite(ctx), 'Via', `Via: ${v}`))),
  },
  {
    id: 'nul-bytes',
    category: 'invalid',
    build: (ctx) => {
      const c = ctx.pbx.contact ?? '';
      return [
        render(invite(ctx, { extra: ['Subject: before\u0000after'] })),
        render({ ...invite(ctx), firstLine: `INVITE ${c}\u0000 SIP/2.0` }),
        render(invite(ctx, { extra: ['X-Nul\u0000Name: value'] })),
        render(invite(ctx, { from: `"nul\u0000name" <sip:n@${ctx.pbx.host}>` })),
        render({ ...invite(ctx), body: `${offerSdp()}\u0000\u0000\u0000` }),
        '\u0000'.repeat(64),
      ];
    },
  },
  {
    id: 'non-utf8-bytes',
    category: 'invalid',
    build: (ctx) => {
      const bad = [Buffer.from([0xc3, 0x28]), Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80])];
      const out: Buffer[] = [];
      for (const b of bad) {
        const p = invite(ctx);
        const head = Buffer.from(`${[p.firstLine, ...p.headers].join('\r\n')}\r\nSubject: `, 'utf8');
        const body = Buffer.concat([Buffer.from(offerSdp()), b]);
        out.push(Buffer.concat([head, b, Buffer.from(`\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
      }
      const p = invite(ctx);
      out.push(renderBytes(p, Buffer.concat([Buffer.from('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns='), Buffer.from([0x80, 0x81, 0xfe, 0xff]), Buffer.from('\r\n')])));
      return out;
    },
  },
  {
    id: 'header-of-64-kib-and-more',
    category: 'invalid',
    build: (ctx) => [
      render(invite(ctx, { extra: [`X-Huge: ${'h'.repeat(fit(ctx, 70 * 1024))}`] })),
      render(invite(ctx, { from: `"${'N'.repeat(fit(ctx, 66 * 1024))}" <sip:big@${ctx.pbx.host}>` })),
    ],
  },
  {
    id: 'thousand-via-headers',
    category: 'invalid',
    build: (ctx) => {
      const p = invite(ctx);
      const vias = Array.from({ length: 1000 }, (_, i) => `Via: SIP/2.0/UDP 10.${(i >> 8) & 255}.${i & 255}.1;branch=z9hG4bK${i}`);
      const top = p.headers.findIndex((h) => h.startsWith('Via:'));
      p.headers.splice(top + 1, 0, ...vias);
      const one = request(ctx, 'OPTIONS');
      one.headers.splice(1, 0, `Via: ${vias.map((v) => v.slice(5)).join(', ')}`);
      return [render(p), render(one)];
    },
  },
  {
    id: 'header-line-syntax',
    category: 'invalid',
    build: (ctx) =>
      [
        'No colon in this header line',
        ': value without a name',
        'Bad Header Name: spaces in the name',
        '\tfolded-with-nothing-before',
        '__proto__: polluted',
        'constructor: value',
        'hasOwnProperty: value',
        'toString: value',
        'prototype: value',
        `X-${'n'.repeat(1024)}: long name`,
        'X-Colon:::::: many colons',
      ].map((line) => {
        const p = invite(ctx);
        p.headers.splice(ctx.rng.int(0, p.headers.length), 0, line);
        return render(p);
      }),
  },
  {
    id: 'prototype-names-in-parameters',
    category: 'invalid',
    build: (ctx) => [
      render(invite(ctx, { from: `<sip:a@${ctx.pbx.host};__proto__=x;constructor=y>;__proto__=polluted` })),
      render(replaced(invite(ctx), 'Via', `Via: SIP/2.0/${ctx.transport.toUpperCase()} ${ctx.pbx.hostPort};branch=${branch(ctx)};__proto__=1;hasOwnProperty=2`)),
      render(invite(ctx, { extra: ['Call-Info: <http://x>;__proto__=1;answer-after=0', 'Subscription-State: active;__proto__=1'] })),
    ],
  },
  {
    id: 'line-ending-damage',
    category: 'invalid',
    build: (ctx) => {
      const valid = render(invite(ctx));
      const headOnly = valid.slice(0, valid.indexOf('\r\n\r\n'));
      return [
        valid.replace(/\r\n/g, '\n'),
        render(invite(ctx)).replace(/\r\n/g, '\r'),
        render(invite(ctx)).replace(/\r\n/g, (m) => (ctx.rng.chance(0.5) ? '\n' : m)),
        headOnly,
        `${render(request(ctx, 'OPTIONS')).split('\r\n')[0]}\r\n`,
        render(invite(ctx)).replace('\r\n\r\n', '\r\n \r\n'),
      ];
    },
  },
  {
    id: 'not-sip-at-all',
    category: 'invalid',
    build: (ctx) => {
      const random = Buffer.alloc(2048);
      for (let i = 0; i < random.length; i++) random[i] = ctx.rng.int(0, 255);
      // STUN binding request (RFC 5389 §6): what a WebRTC stack or a NAT prober may put on a SIP port.
      const stun = Buffer.from('000100002112a442' + ctx.rng.hex(12), 'hex');
      // The first bytes of a TLS ClientHello on a plain port.
      const hello = Buffer.from('16030100a5010000a10303' + ctx.rng.hex(32), 'hex');
      return [
        '',
        '\r\n',
        '\r\n\r\n\r\n\r\n',
        random,
        stun,
        hello,
        'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\r\n',
        '{"jsonrpc":"2.0","method":"INVITE","params":{}}\r\n\r\n',
        ' '.repeat(1000),
      ];
    },
  },
  {
    id: 'broadcast-via-in-response',
    category: 'application',
    after: '3.3.15 bcast',
    build: (ctx) => [
      build(
        'SIP/2.0 200 OK',
        ['Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bKbcast', `From: <sip:x@${ctx.pbx.host}>;tag=1`, `To: <sip:y@${ctx.pbx.host}>;tag=2`, `Call-ID: bcast-${id(ctx)}`, 'CSeq: 1 OPTIONS'],
      ),
    ],
  },

  // §3.2 and what a transaction layer must shrug off.
  {
    id: 'duplicate-invite',
    category: 'transaction',
    build: (ctx) => {
      const once = render(invite(ctx));
      return [once, once, once];
    },
  },
  {
    id: 'merged-request',
    category: 'transaction',
    build: (ctx) => {
      const first = invite(ctx);
      const second = replaced(first, 'Via', ctx.pbx.via(branch(ctx)));
      return [render(first), render(second)];
    },
  },
  {
    id: 'missing-or-odd-branch',
    category: 'transaction',
    after: '3.2.1 badbranch',
    build: (ctx) => [
      render(replaced(invite(ctx), 'Via', `Via: SIP/2.0/${ctx.transport.toUpperCase()} ${ctx.pbx.hostPort};branch=z9hG4bK`)),
      render(replaced(invite(ctx), 'Via', `Via: SIP/2.0/${ctx.transport.toUpperCase()} ${ctx.pbx.hostPort};branch=`)),
      render(replaced(invite(ctx), 'Via', `Via: SIP/2.0/${ctx.transport.toUpperCase()} ${ctx.pbx.hostPort};branch=${'b'.repeat(4000)}`)),
    ],
  },
  {
    id: 'cancel-for-unknown-and-for-ringing-invite',
    category: 'transaction',
    build: (ctx) => {
      const stray = replaced(request(ctx, 'CANCEL'), 'CSeq', 'CSeq: 1 CANCEL');
      const inv = invite(ctx);
      const cancel: Parts = { ...inv, firstLine: inv.firstLine.replace(/^INVITE/, 'CANCEL'), body: '' };
      const cancelParts = replaced(without(cancel, 'Content-Type'), 'CSeq', `CSeq: ${inv.headers.find((h) => h.startsWith('CSeq:'))!.split(/\s+/)[1]} CANCEL`);
      return [render(stray), render(inv), render(cancelParts), render(cancelParts)];
    },
  },
  {
    id: 'ack-without-invite',
    category: 'transaction',
    build: (ctx) => [render(request(ctx, 'ACK')), render(replaced(request(ctx, 'ACK'), 'To', `To: <sip:${ctx.pbx.options.user}@${ctx.pbx.host}>;tag=${id(ctx)}`))],
  },
  {
    id: 'bye-and-others-for-unknown-dialog',
    category: 'transaction',
    build: (ctx) =>
      ['BYE', 'INFO', 'UPDATE', 'REFER', 'NOTIFY', 'PRACK', 'INVITE', 'BYE'].map((m, i) =>
        render(i === 7 ? request(ctx, m) : replaced(request(ctx, m, { extra: m === 'NOTIFY' ? ['Event: dialog', 'Subscription-State: active'] : [] }), 'To', `To: <sip:${ctx.pbx.options.user}@${ctx.pbx.host}>;tag=${id(ctx)}`)),
      ),
  },
  {
    id: 'responses-with-no-transaction',
    category: 'transaction',
    build: (ctx) => [
      strayResponse(ctx, '100 Trying', 'INVITE'),
      strayResponse(ctx, '180 Ringing', 'INVITE'),
      strayResponse(ctx, '200 OK', 'INVITE', [`Contact: <sip:x@${ctx.pbx.hostPort}>`, 'Content-Type: application/sdp'], offerSdp()),
      strayResponse(ctx, '200 OK', 'REGISTER', [`Contact: <${ctx.pbx.contact}>;expires=0`]),
      strayResponse(ctx, '401 Unauthorized', 'REGISTER', ['WWW-Authenticate: Digest realm="evil", nonce="x", algorithm=MD5']),
      strayResponse(ctx, '491 Request Pending', 'INVITE'),
      strayResponse(ctx, '302 Moved Temporarily', 'INVITE', [`Contact: <sip:elsewhere@${ctx.pbx.host}>`]),
      strayResponse(ctx, '200 OK', 'SUBSCRIBE', ['Expires: 0']),
      strayResponse(ctx, '200 OK', 'BRANDNEWMETHOD'),
      build('SIP/2.0 200 OK', [`Via: SIP/2.0/UDP ${ctx.pbx.uaVia};branch=z9hG4bKa`, 'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb', `From: <sip:a@${ctx.pbx.host}>;tag=1`, `To: <sip:b@${ctx.pbx.host}>`, 'Call-ID: two-vias', 'CSeq: 1 OPTIONS']),
      build('SIP/2.0 200 OK', [`From: <sip:a@${ctx.pbx.host}>;tag=1`, `To: <sip:b@${ctx.pbx.host}>`, 'Call-ID: no-via', 'CSeq: 1 OPTIONS']),
    ],
  },
  {
    id: 'notify-for-no-subscription',
    category: 'transaction',
    build: (ctx) => [
      render(replaced(request(ctx, 'NOTIFY', { extra: ['Event: dialog', 'Subscription-State: active'], body: '<dialog-info/>', contentType: 'application/dialog-info+xml' }), 'To', `To: <sip:${ctx.pbx.options.user}@${ctx.pbx.host}>;tag=${id(ctx)}`)),
      render(request(ctx, 'NOTIFY', { extra: ['Subscription-State: active'] })),
      render(request(ctx, 'NOTIFY', { extra: ['Event: presence', 'Subscription-State: active'] })),
      render(request(ctx, 'NOTIFY', { extra: ['Event: message-summary', 'Subscription-State: terminated;reason=rejected'], body: 'garbage', contentType: 'text/html' })),
    ],
  },
  {
    id: 'subscription-dialog-oddities',
    category: 'transaction',
    build: (ctx) => {
      const pbx = ctx.pbx;
      const out: string[] = [];
      const notify = (body: string, opts: Parameters<FakePbx['notify']>[2] = {}): void => {
        const m = pbx.notify('dialog', body, opts);
        if (m) out.push(m);
      };
      const sub = pbx.subscriptions.get('dialog');
      if (!sub) return out;
      const idle = `<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${sub.cseq + 1}" state="full" entity="sip:1002@${pbx.host}"/>`;
      notify(idle);
      // The same CSeq again, then one lower (RFC 3261 §12.2.2: 500).
      const again = out[out.length - 1];
      if (again) out.push(again, again.replace(/^CSeq: (\d+) NOTIFY$/m, (_m, n: string) => `CSeq: ${Number(n) - 5} NOTIFY`));
      notify(idle, { state: 'bogus-state;expires=abc' });
      notify(idle, { contentType: 'text/html' });
      notify('', {});
      notify(idle, { state: 'active;expires=99999999999999999999' });
      notify(idle, { state: 'pending' });
      notify(idle, { extra: ['Event: presence'] });
      // Requests that have no business inside a subscription dialog.
      for (const method of ['INVITE', 'BYE', 'REFER', 'INFO', 'SUBSCRIBE', 'UPDATE', 'PRACK', 'MESSAGE']) {
        sub.cseq++;
        out.push(
          build(
            `${method} ${sub.target} SIP/2.0`,
            [pbx.via(), 'Max-Forwards: 70', `From: ${sub.notifier}`, `To: ${sub.subscriber}`, `Call-ID: ${sub.callId}`, `CSeq: ${sub.cseq} ${method}`, `Contact: ${pbx.ourContact}`, ...(method === 'INVITE' ? ['Content-Type: application/sdp'] : []), ...(method === 'SUBSCRIBE' ? ['Event: dialog'] : [])],
            method === 'INVITE' ? offerSdp() : '',
          ),
        );
      }
      // And a NOTIFY that still belongs to it, so the subscription goes on.
      notify(idle);
      return out;
    },
  },
];

// ── seeded mutations ──────────────────────────────────────────────────────────────────────────────────────────────

/** Values that break naive number handling: sign, 32/53/64-bit edges, exponents, hex, empty, huge. */
const EXTREME_NUMBERS = ['0', '-1', '-0', '2147483647', '2147483648', '4294967295', '4294967296', '9007199254740993', '18446744073709551616', '1e309', 'NaN', 'Infinity', '0x7fffffff', '', '00000000000000000000001', '9'.repeat(400), '1.5', '+1'];
/** Bytes and tokens that mean something to a SIP or XML parser. */
const INTERESTING = ['\u0000', '\r', '\n', '\r\n', '\r\n\r\n', ' ', '\t', ':', ';', ',', '"', '\\', '<', '>', '%', '%00', '%ZZ', '=', '@', '?', '&', '[', ']', 'sip:', 'tel:', ';tag=', ';branch=', ';expires=0', '\r\n ', '\u00ff', '\ufeff', '\u202e', '<!--', ']]>', '&amp;', '&#0;', '&#xFFFFFFFF;', '\ud800'];

export interface Mutation {
  readonly bytes: Buffer;
  readonly ops: string[];
}

/** One to four stacked mutations of a whole message. */
export function mutateMessage(rng: Rng, original: Buffer, maxBytes: number): Mutation {
  let bytes = original;
  const ops: string[] = [];
  const n = rng.int(1, 4);
  for (let i = 0; i < n; i++) {
    const op = rng.pick(MESSAGE_OPS);
    bytes = op.apply(rng, bytes);
    ops.push(op.name);
  }
  if (bytes.length > maxBytes) {
    bytes = bytes.subarray(0, maxBytes);
    ops.push('truncated-to-transport');
  }
  return { bytes, ops };
}

interface Op {
  readonly name: string;
  apply(rng: Rng, b: Buffer): Buffer;
}

const pos = (rng: Rng, b: Buffer): number => rng.int(0, Math.max(0, b.length));
const interesting = (rng: Rng): Buffer => Buffer.from(rng.pick(INTERESTING), 'utf8');

function headerSplit(b: Buffer): { lines: string[]; body: Buffer } | undefined {
  const end = b.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  return { lines: b.subarray(0, end).toString('latin1').split('\r\n'), body: b.subarray(end + 4) };
}

function headerJoin(lines: string[], body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

const BYTE_OPS: readonly Op[] = [
  {
    name: 'bit-flip',
    apply: (rng, b) => {
      if (b.length === 0) return b;
      const out = Buffer.from(b);
      for (let k = rng.int(1, 8); k > 0; k--) {
        const at = rng.int(0, out.length - 1);
        out[at] = out[at]! ^ (1 << rng.int(0, 7));
      }
      return out;
    },
  },
  {
    name: 'byte-insert',
    apply: (rng, b) => {
      const at = pos(rng, b);
      const ins = rng.chance(0.5) ? interesting(rng) : Buffer.from(Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 255)));
      return Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
    },
  },
  {
    name: 'byte-delete',
    apply: (rng, b) => {
      const at = pos(rng, b);
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.int(1, 32)))]);
    },
  },
  {
    name: 'byte-replace',
    apply: (rng, b) => {
      if (b.length === 0) return b;
      const out = Buffer.from(b);
      for (let k = rng.int(1, 8); k > 0; k--) out[rng.int(0, out.length - 1)] = rng.pick([0x00, 0xff, 0x0d, 0x0a, 0x20, 0x22, 0x3a, 0x3b, 0x3c, 0x3e, 0x25, 0x80, 0xc0, rng.int(0, 255)]);
      return out;
    },
  },
  {
    name: 'number-extreme',
    apply: (rng, b) => {
      const text = b.toString('latin1');
      const spans = [...text.matchAll(/\d+/g)];
      if (spans.length === 0) return b;
      const m = rng.pick(spans);
      const at = m.index ?? 0;
      return Buffer.concat([b.subarray(0, at), Buffer.from(rng.pick(EXTREME_NUMBERS), 'latin1'), b.subarray(at + m[0].length)]);
    },
  },
  {
    name: 'truncate',
    apply: (rng, b) => b.subarray(0, pos(rng, b)),
  },
  {
    name: 'slice-repeat',
    apply: (rng, b) => {
      if (b.length === 0) return b;
      const from = rng.int(0, b.length - 1);
      const slice = b.subarray(from, Math.min(b.length, from + rng.int(1, 2048)));
      const times = rng.chance(0.1) ? rng.int(10, 40) : rng.int(1, 3);
      const at = pos(rng, b);
      return Buffer.concat([b.subarray(0, at), ...Array.from({ length: times }, () => slice), b.subarray(at)]);
    },
  },
  {
    name: 'token-splice',
    apply: (rng, b) => {
      const at = pos(rng, b);
      const token = rng.chance(0.1) ? Buffer.from('A'.repeat(rng.int(256, 8192))) : interesting(rng);
      return Buffer.concat([b.subarray(0, at), token, b.subarray(Math.min(b.length, at + rng.int(0, 4)))]);
    },
  },
];

const MESSAGE_OPS: readonly Op[] = [
  ...BYTE_OPS,
  {
    name: 'header-duplicate',
    apply: (rng, b) => {
      const s = headerSplit(b);
      if (!s || s.lines.length < 2) return b;
      const i = rng.int(1, s.lines.length - 1);
      const times = rng.chance(0.1) ? rng.int(50, 300) : rng.int(1, 3);
      s.lines.splice(i, 0, ...Array.from({ length: times }, () => s.lines[i]!));
      return headerJoin(s.lines, s.body);
    },
  },
  {
    name: 'header-remove',
    apply: (rng, b) => {
      const s = headerSplit(b);
      if (!s || s.lines.length < 2) return b;
      s.lines.splice(rng.int(1, s.lines.length - 1), 1);
      return headerJoin(s.lines, s.body);
    },
  },
  {
    name: 'header-swap',
    apply: (rng, b) => {
      const s = headerSplit(b);
      if (!s || s.lines.length < 3) return b;
      const i = rng.int(0, s.lines.length - 1);
      const j = rng.int(0, s.lines.length - 1);
      [s.lines[i], s.lines[j]] = [s.lines[j]!, s.lines[i]!];
      return headerJoin(s.lines, s.body);
    },
  },
  {
    name: 'header-value-empty',
    apply: (rng, b) => {
      const s = headerSplit(b);
      if (!s || s.lines.length < 2) return b;
      const i = rng.int(1, s.lines.length - 1);
      s.lines[i] = `${s.lines[i]!.split(':')[0]}:`;
      return headerJoin(s.lines, s.body);
    },
  },
  {
    name: 'header-fold',
    apply: (rng, b) => {
      const s = headerSplit(b);
      if (!s || s.lines.length < 2) return b;
      const i = rng.int(1, s.lines.length - 1);
      s.lines[i] = s.lines[i]!.replace(/ /g, () => (rng.chance(0.5) ? '\r\n ' : ' '));
      return headerJoin(s.lines, s.body);
    },
  },
  {
    name: 'header-name-case',
    apply: (rng, b) => {
      const s = headerSplit(b);
      if (!s || s.lines.length < 2) return b;
      const i = rng.int(1, s.lines.length - 1);
      s.lines[i] = s.lines[i]!.replace(/^[^:]+/, (name) => [...name].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join(''));
      return headerJoin(s.lines, s.body);
    },
  },
  {
    name: 'line-ending',
    apply: (rng, b) => {
      const text = b.toString('latin1');
      const to = rng.pick(['\n', '\r', '\n\r', '\r\r\n', '\r\n\r\n']);
      const all = rng.chance(0.3);
      let done = false;
      return Buffer.from(
        text.replace(/\r\n/g, (m) => {
          if (all || (!done && rng.chance(0.2))) {
            done = true;
            return to;
          }
          return m;
        }),
        'latin1',
      );
    },
  },
];

// ── templates ─────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A valid INVITE to mutate. Variants carry the headers our own code reads (caller ID from P-Asserted-Identity,
 * auto-answer from Call-Info/Alert-Info/Answer-Mode, Replaces, the called number in To, multipart offers) so that
 * the damage lands in sip-core as well as in SIP.js.
 */
export function inviteTemplate(ctx: TortureContext): Buffer {
  const pbx = ctx.pbx;
  const rng = ctx.rng;
  const variant = rng.int(0, 4);
  const extra: string[] = [];
  let body = offerSdp();
  let contentType = 'application/sdp';
  if (variant === 1) {
    extra.push(
      `P-Asserted-Identity: "Reception Desk" <sip:3001@${pbx.host}>, <tel:+15550100>`,
      `Remote-Party-ID: "RPID" <sip:3002@${pbx.host}>;party=calling;privacy=off;screen=yes`,
      `Call-Info: <sip:${pbx.host}>;answer-after=0`,
      'Alert-Info: <http://www.notused.invalid>;info=alert-autoanswer;delay=0',
      'Answer-Mode: Auto;require',
      'Priv-Answer-Mode: Manual',
      `Diversion: <sip:3003@${pbx.host}>;reason=unconditional;counter=1`,
      `History-Info: <sip:3004@${pbx.host}>;index=1, <sip:${pbx.options.user}@${pbx.host}>;index=1.1`,
      'Privacy: none',
    );
  } else if (variant === 2) {
    extra.push(`Replaces: ${rng.hex(8)}@${pbx.host};to-tag=${rng.hex(4)};from-tag=${rng.hex(4)}`, `Referred-By: <sip:3005@${pbx.host}>`, 'Require: replaces');
  } else if (variant === 3) {
    const boundary = `mb${rng.hex(4)}`;
    contentType = `multipart/mixed;boundary=${boundary}`;
    body = [`--${boundary}`, 'Content-Type: application/sdp', '', offerSdp(), `--${boundary}`, 'Content-Type: application/isup', '', '\u0001\u0010\u0049', `--${boundary}--`, ''].join('\r\n');
  } else if (variant === 4) {
    // WebRTC-looking offer: the console's media-mode guess reads it.
    body = [offerSdp().replace('RTP/AVP', 'UDP/TLS/RTP/SAVPF'), 'a=fingerprint:sha-256 00:11:22:33', 'a=ice-ufrag:abcd', 'a=ice-pwd:0123456789abcdef0123', 'a=setup:actpass', ''].join('\r\n');
  }
  const p = request(ctx, 'INVITE', { from: `"Mutant ${rng.hex(2)}" <sip:mut3000@${pbx.host}>`, body, contentType, extra });
  p.headers.push('Supported: replaces, timer', 'Allow: INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, OPTIONS', 'User-Agent: FakePBX/1.0');
  return Buffer.from(render(p), 'utf8');
}

/** A valid dialog-info+xml body (RFC 4235) in one of the shapes PBXs send. */
export function dialogInfoBody(rng: Rng, version: number, host: string): string {
  const entity = `sip:1002@${host}`;
  const prefix = rng.chance(0.2) ? 'd:' : '';
  const ns = prefix ? ' xmlns:d="urn:ietf:params:xml:ns:dialog-info"' : ' xmlns="urn:ietf:params:xml:ns:dialog-info"';
  const state = rng.pick(['trying', 'proceeding', 'early', 'confirmed', 'terminated', 'Trying', 'CONFIRMED']);
  const direction = rng.pick(['initiator', 'recipient', '']);
  const held = rng.chance(0.2);
  const dialogs = Array.from({ length: rng.int(0, 3) }, (_, i) =>
    [
      `<${prefix}dialog id="d${i}-${rng.hex(3)}" call-id="c${rng.hex(4)}" local-tag="${rng.hex(2)}" remote-tag="${rng.hex(2)}"${direction ? ` direction="${direction}"` : ''}>`,
      `<${prefix}state event="remote-bye" code="200">${state}</${prefix}state>`,
      `<${prefix}duration>${rng.int(0, 9999)}</${prefix}duration>`,
      `<${prefix}local><${prefix}identity display="Colleague">${entity}</${prefix}identity><${prefix}target uri="${entity}">${held ? '<param pname="+sip.rendering" pvalue="no"/>' : ''}</${prefix}target></${prefix}local>`,
      `<${prefix}remote><${prefix}identity display="Caller ${rng.hex(2)}">sip:${rng.int(100, 999)}@${host}</${prefix}identity><${prefix}target uri="sip:x@${host}"/></${prefix}remote>`,
      `</${prefix}dialog>`,
    ].join('\r\n'),
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\r\n<${prefix}dialog-info${ns} version="${version}" state="${rng.pick(['full', 'partial'])}" entity="${entity}">\r\n${dialogs.join('\r\n')}\r\n</${prefix}dialog-info>\r\n`;
}

/** A valid simple-message-summary body (RFC 3842). */
export function messageSummaryBody(rng: Rng, user: string, host: string): string {
  const lines = [`Messages-Waiting: ${rng.pick(['yes', 'no', 'YES'])}`, `Message-Account: sip:${user}@${host}`, `Voice-Message: ${rng.int(0, 20)}/${rng.int(0, 50)}${rng.chance(0.6) ? ` (${rng.int(0, 5)}/${rng.int(0, 5)})` : ''}`];
  if (rng.chance(0.3)) lines.push(`Fax-Message: ${rng.int(0, 3)}/${rng.int(0, 3)}`);
  if (rng.chance(0.2)) lines.push('', `To: <sip:${user}@${host}>`, 'Subject: a message header section', 'Message-ID: <m1@example.invalid>');
  return `${lines.join('\r\n')}\r\n`;
}

/** XML damage on top of the byte-level one. */
const XML_OPS: readonly Op[] = [
  {
    name: 'xml-deep-nesting',
    apply: (rng, b) => {
      const n = rng.int(100, 3000);
      const at = Math.max(0, b.indexOf('<dialog ') >= 0 ? b.indexOf('<dialog ') : pos(rng, b));
      return Buffer.concat([b.subarray(0, at), Buffer.from('<x>'.repeat(n) + '</x>'.repeat(rng.chance(0.5) ? n : 0)), b.subarray(at)]);
    },
  },
  {
    name: 'xml-many-dialogs',
    apply: (rng, b) => {
      const one = '<dialog id="m" direction="recipient"><state>early</state><remote><identity>sip:9@x</identity></remote></dialog>';
      const at = b.lastIndexOf('</');
      const n = rng.int(10, 500);
      return Buffer.concat([b.subarray(0, Math.max(0, at)), Buffer.from(one.repeat(n)), b.subarray(Math.max(0, at))]);
    },
  },
  {
    name: 'xml-attribute-bomb',
    apply: (rng, b) => {
      const at = Math.max(0, b.indexOf('version='));
      return Buffer.concat([b.subarray(0, at), Buffer.from(`a${rng.hex(2)}="${'"'.repeat(rng.int(0, 1))}${'v'.repeat(rng.int(1000, 20_000))}" `), b.subarray(at)]);
    },
  },
  {
    name: 'xml-entities-and-dtd',
    apply: (rng, b) => {
      const junk = rng.pick(['&lt;&gt;&amp;&quot;&apos;', '&#0;&#xD800;&#x110000;&#99999999999;', '&undefined-entity;', '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', '<![CDATA[ <dialog id="fake"> ]]>', '<?xml version="9.9"?>']);
      const at = pos(rng, b);
      return Buffer.concat([b.subarray(0, at), Buffer.from(junk), b.subarray(at)]);
    },
  },
  {
    name: 'xml-comment-damage',
    apply: (rng, b) => {
      const at = pos(rng, b);
      const junk = rng.chance(0.5) ? '<!--'.repeat(rng.int(1, 200)) : `<!-- ${'-'.repeat(rng.int(1, 2000))} --`;
      return Buffer.concat([b.subarray(0, at), Buffer.from(junk), b.subarray(at)]);
    },
  },
  {
    name: 'xml-tag-unbalance',
    apply: (rng, b) => {
      const text = b.toString('latin1');
      const tags = [...text.matchAll(/<\/?[A-Za-z:]+/g)];
      if (tags.length === 0) return b;
      const m = rng.pick(tags);
      const at = m.index ?? 0;
      return Buffer.concat([b.subarray(0, at), b.subarray(at + m[0].length)]);
    },
  },
];

/** Damage a NOTIFY body: byte-level always possible, XML-level for dialog-info, lines for message-summary. */
export function mutateBody(rng: Rng, body: string, kind: 'dialog' | 'message-summary', maxBytes: number): Mutation {
  let bytes: Buffer = Buffer.from(body, 'utf8');
  const ops: string[] = [];
  const pool: readonly Op[] = kind === 'dialog' ? [...BYTE_OPS, ...XML_OPS, ...XML_OPS] : [...BYTE_OPS, ...MESSAGE_OPS.filter((o) => o.name.startsWith('line') || o.name.startsWith('header'))];
  for (let i = rng.int(1, 3); i > 0; i--) {
    const op = rng.pick(pool);
    bytes = op.apply(rng, bytes);
    ops.push(op.name);
  }
  if (bytes.length > maxBytes) {
    bytes = bytes.subarray(0, maxBytes);
    ops.push('truncated-to-transport');
  }
  return { bytes, ops };
}

/** A NOTIFY around a (damaged) body, with a correct Content-Length unless `wrongLength`. */
export function notifyAround(headText: string, body: Buffer, wrongLength: string | undefined): Buffer {
  // headText is a complete valid NOTIFY without body: swap its Content-Length for the body's.
  const end = headText.indexOf('\r\n\r\n');
  const head = headText.slice(0, end).replace(/^Content-Length:.*$/im, `Content-Length: ${wrongLength ?? body.length}`);
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'utf8'), body]);
}
