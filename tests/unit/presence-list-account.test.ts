import { AccountInputSchema } from '../../electron/contract/dto';
import { accountConfigFromInput } from '../../electron/services/console-service';

const base = { server: 'pbx.example', transport: 'udp' as const, user: '1001', password: 'secret' };

test('an account provisioned with a BLF list URI and an XCAP root hands them to sip-core', () => {
  const c = accountConfigFromInput('acc-1', { ...base, blfListUri: 'blf-1001', xcapRoot: 'http://pbx.example:8080/xcap-root' });
  expect(c.presenceList).toEqual({ uri: 'blf-1001', xcapRoot: 'http://pbx.example:8080/xcap-root' });
  expect(accountConfigFromInput('acc-1', base).presenceList).toBeUndefined();
});

test.each([
  ['blfListUri', 'sip:a b@pbx'],
  ['blfListUri', '<sip:x@pbx>'],
  ['xcapRoot', 'file:///etc/passwd'],
  ['xcapRoot', 'javascript:alert(1)'],
  ['xcapRoot', 'http://pbx/"x'],
])('a hostile %s (%s) is refused with a clear error', (field, value) => {
  const r = AccountInputSchema.safeParse({ ...base, [field]: value });
  expect(r.success).toBe(false);
  expect(r.error?.issues[0]?.path).toEqual([field]);
});
