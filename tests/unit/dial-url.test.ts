import { linkNamesForeignHost, parseDialUrl } from '../../electron/services/dial-url';

describe('links handed to the console', () => {
  it.each([
    ['tel:+33 1 23 45 67 89', '+33123456789'],
    ['tel:%2B33%201%2023%2045%2067%2089', '+33123456789'],
    ['TEL:+1-(555)-010.2030;phone-context=example.com', '+15550102030'],
    ['callto://+331234', '+331234'],
    ['callto:1003', '1003'],
    ['callto://jean.dupont', 'jean.dupont'],
    ['sip:1002@pbx.example.com;user=phone', 'sip:1002@pbx.example.com'],
    ['sip:1002@pbx.example.com;transport=tcp;maddr=198.18.0.66', 'sip:1002@pbx.example.com'],
    ['sips:reception@pbx.example.com', 'sips:reception@pbx.example.com'],
    ['sip:1002@pbx?Subject=hi&Call-Info=evil', 'sip:1002@pbx'],
    ['tel:1003/', '1003'],
  ])('%s → %s', (url, expected) => {
    expect(parseDialUrl(url)).toBe(expected);
  });

  it.each(['http://evil.example', 'tel:', 'tel:abc', 'javascript:alert(1)', 'sip:<script>@x', 'tel:1%0d%0aVia: x', 'tel:%E0%A4%A', `tel:${'1'.repeat(600)}`])(
    'refuses %s',
    (url) => {
      expect(parseDialUrl(url)).toBeUndefined();
    },
  );
});

describe('links naming a foreign SIP host', () => {
  it('are told apart from the account own hosts (server, domain, servers)', () => {
    expect(linkNamesForeignHost('sip:1002@pbx.example.com', ['pbx.example.com'])).toBe(false);
    expect(linkNamesForeignHost('sip:1002@PBX.example.com', ['pbx.example.com'])).toBe(false);
    expect(linkNamesForeignHost('sip:boss@premium.example.net', ['pbx.example.com'])).toBe(true);
    expect(linkNamesForeignHost('sips:x@[2001:db8::1]', ['pbx.example.com'])).toBe(true);
    expect(linkNamesForeignHost('+33123456789', ['pbx.example.com'])).toBe(false);
  });
});
