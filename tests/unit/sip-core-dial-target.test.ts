import { CallError, dialTargetToUri, endReasonForStatus } from '../../sip-core';

describe('what the receptionist types becomes a SIP URI', () => {
  it.each([
    ['1003', 'sip:1003@pbx.example'],
    [' 1003 ', 'sip:1003@pbx.example'],
    ['sip:1003@127.0.0.1', 'sip:1003@127.0.0.1'],
    ['1003@127.0.0.1:5080', 'sip:1003@127.0.0.1:5080'],
    ['sips:alice@example.com', 'sips:alice@example.com'],
    ['tel:+33-1-23-45-67-89', 'sip:+33123456789@pbx.example;user=phone'],
    ['+33 (1) 23', ''],
    ['01.23.45', 'sip:012345@pbx.example'],
    ['sip:1003@host;transport=tcp', 'sip:1003@host;transport=tcp'],
  ])('%p → %p', (input, expected) => {
    if (expected === '') expect(() => dialTargetToUri(input, 'pbx.example')).toThrow(CallError);
    else expect(dialTargetToUri(input, 'pbx.example')).toBe(expected);
  });

  it.each(['', 'sip:', '@host', '1003@', 'a b', 'x<y', 'tel:12ab', '1003@bad host', '1003\u0000', 'sip:1003@h;=x'])(
    'rejects %p with invalid-target',
    (input) => {
      try {
        dialTargetToUri(input, 'pbx.example');
        throw new Error('should have thrown');
      } catch (err) {
        expect(err).toBeInstanceOf(CallError);
        expect((err as CallError).code).toBe('invalid-target');
      }
    },
  );

  it('maps final statuses to end reasons', () => {
    expect([486, 600, 603, 404, 604, 480, 408, 487, 500].map(endReasonForStatus)).toEqual([
      'busy', 'busy', 'rejected', 'not-found', 'not-found', 'unavailable', 'timeout', 'cancelled', 'rejected',
    ]);
  });
});
