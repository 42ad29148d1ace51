/** Settings › Services (renderer/lib/state/services-form.ts): the form ↔ services.update, places, messages, line state. */
import { parseCommand } from '../../electron/contract';
import { DEFAULT_CALL_SERVICES, type CallServices, type ServicesView } from '../../electron/contract/services';
import { en } from '../../renderer/i18n/en';
import { fr } from '../../renderer/i18n/fr';
import { nl } from '../../renderer/i18n/nl';
import {
  APPLY_ERRORS,
  SCREEN_POP_PLACEHOLDERS,
  SERVICES_FIELDS,
  applyProblem,
  conditionalForwards,
  dndPlace,
  forwardRulePlace,
  isVoicemailDeposit,
  lineStateOf,
  numberLines,
  presentAsChoices,
  sameValue,
  screenPopTemplateProblem,
  screenedMessage,
  servicesFieldOf,
  servicesFormFrom,
  servicesServerProblem,
  type ServicesForm,
} from '../../renderer/lib/state/services-form';
import { servicesPatchFrom } from '../../renderer/lib/state/services-patch'; // issue 14: split from services-form

const view = (extra: Partial<ServicesView> = {}, settings: Partial<CallServices> = {}): ServicesView => ({
  settings: { ...DEFAULT_CALL_SERVICES, ...settings },
  admin: { identities: [{ number: '+33 1 23 45 67 00', label: 'Reception' }, { number: '0800 100 200' }], identityHeader: 'pai', voicemailDeposit: '*{ext}', locked: [] },
  where: { dnd: 'console', forward: 'console', followMe: 'unavailable', screening: 'console' },
  apply: { state: 'idle' },
  ...extra,
});
const formOf = (settings: Partial<CallServices> = {}): ServicesForm => servicesFormFrom({ ...DEFAULT_CALL_SERVICES, ...settings });

/** Every key in all three languages, non-empty. */
function translated(key: string): boolean {
  return [en, fr, nl].every((d) => typeof (d as Record<string, string>)[key] === 'string' && (d as Record<string, string>)[key]!.length > 0);
}

describe('Settings › Services form', () => {
  it('an untouched form sends nothing; a changed one sends only what changed, and the contract accepts it', () => {
    expect(servicesPatchFrom(formOf(), DEFAULT_CALL_SERVICES)).toEqual({ ok: true, patch: {} });
    const form = formOf();
    form.forwardAlways = { enabled: true, to: 'number', number: ' 2003 ' };
    form.forwardNoAnswer = { enabled: true, to: 'voicemail', number: '0612', seconds: ' 15 ' };
    form.dndScope = 'everywhere';
    form.blacklist = '0612345678\n\n 01 23 45 67 89 ;0612345678, +32 2 555 12 12\n';
    form.anonymous = 'voicemail';
    const r = servicesPatchFrom(form, DEFAULT_CALL_SERVICES);
    expect(r).toEqual({
      ok: true,
      patch: {
        dndScope: 'everywhere',
        forwardAlways: { enabled: true, target: '2003' },
        forwardNoAnswer: { enabled: true, target: 'voicemail', seconds: 15 },
        blacklist: ['0612345678', '01 23 45 67 89', '+32 2 555 12 12'],
        anonymous: 'voicemail',
      },
    });
    if (r.ok) expect(parseCommand('services.update', r.patch).ok).toBe(true);
  });

  it('round-trips the saved services (voicemail targets, lists, seconds) without a change', () => {
    const saved: CallServices = {
      ...DEFAULT_CALL_SERVICES,
      forwardBusy: { enabled: true, target: 'voicemail' },
      forwardNoAnswer: { enabled: false, target: '1003', seconds: 5 },
      followMe: { enabled: true, number: '06 12 34 56 78', seconds: 0 },
      priorityCallers: ['1002', '+33 6 00 00 00 01'],
      presentAs: 'anonymous',
      screenPop: { incomingUrl: 'https://crm.example/search?q={caller_e164plus}', outgoingUrl: '', trigger: 'answer', window: 'single' },
    };
    const f = servicesFormFrom(saved);
    expect(f.forwardBusy).toEqual({ enabled: true, to: 'voicemail', number: '' });
    expect(f.priorityCallers).toBe('1002\n+33 6 00 00 00 01');
    expect(servicesPatchFrom(f, saved)).toEqual({ ok: true, patch: {} });
  });

  it('keeps the number of a rule that is switched off, so it is there next time', () => {
    const form = formOf({ forwardAlways: { enabled: true, target: '2003' } });
    form.forwardAlways.enabled = false;
    expect(servicesPatchFrom(form, { ...DEFAULT_CALL_SERVICES, forwardAlways: { enabled: true, target: '2003' } })).toEqual({
      ok: true,
      patch: { forwardAlways: { enabled: false, target: '2003' } },
    });
  });

  it('never sends a service the administrator locked (main would refuse it)', () => {
    const form = formOf();
    form.blacklist = '0612345678';
    form.dndAction = 'voicemail';
    expect(servicesPatchFrom(form, DEFAULT_CALL_SERVICES, ['blacklist'])).toEqual({ ok: true, patch: { dndAction: 'voicemail' } });
  });

  it('names each bad field in words, like main (a rule on with nowhere to go, bad numbers, seconds, URLs)', () => {
    const form = formOf();
    form.forwardAlways = { enabled: true, to: 'number', number: '' };
    form.forwardBusy = { enabled: true, to: 'number', number: 'call Zoë' };
    form.forwardNoAnswer = { enabled: true, to: 'number', number: '2003', seconds: '0' };
    form.followMe = { enabled: true, number: '', seconds: 'ten' };
    form.priorityCallers = '1002\nnot a number!';
    form.screenPop = { ...form.screenPop, incomingUrl: 'javascript:alert(1)', outgoingUrl: 'https://crm.example/?q={Caller}' };
    const r = servicesPatchFrom(form, DEFAULT_CALL_SERVICES);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual({
      forwardAlways: { key: 'services.error.forwardTarget' },
      forwardBusy: { key: 'services.error.number' },
      forwardNoAnswerSeconds: { key: 'services.error.noAnswerSeconds' },
      followMe: { key: 'services.error.followMeNumber' },
      followMeSeconds: { key: 'services.error.followMeSeconds' },
      priorityCallers: { key: 'services.error.list', params: { value: 'not a number!' } },
      incomingUrl: { key: 'screenPop.error.not-http' },
      outgoingUrl: { key: 'screenPop.error.unknown-placeholder' },
    });
    for (const p of Object.values(r.errors)) expect(translated(p.key)).toBe(true);
  });

  it('checks screen-pop templates by the rules main expands them with', () => {
    expect(screenPopTemplateProblem('')).toBeUndefined();
    expect(screenPopTemplateProblem('https://crm.example/search?phone={caller_e164plus}&n={name}{window}')).toBeUndefined();
    expect(screenPopTemplateProblem('http://10.0.0.5:8080/pop/{callid}#{queue}')).toBeUndefined();
    expect(screenPopTemplateProblem('https://crm{name}/x')).toBe('placeholder-in-host');
    expect(screenPopTemplateProblem('https://user:pw@crm.example/')).toBe('credentials');
    expect(screenPopTemplateProblem('file:///etc/passwd')).toBe('not-http');
    expect(screenPopTemplateProblem('crm.example/?q={caller}')).toBe('not-http');
    expect(screenPopTemplateProblem('https://crm.example/?q={phone}')).toBe('unknown-placeholder');
    expect(screenPopTemplateProblem('https:// bad host/')).toBe('invalid-url');
    for (const code of ['unknown-placeholder', 'placeholder-in-host', 'invalid-url', 'not-http', 'credentials']) expect(translated(`screenPop.error.${code}`)).toBe(true);
    for (const p of SCREEN_POP_PLACEHOLDERS) expect(translated(`services.placeholder.${p}`)).toBe(true);
  });

  it('maps main’s refusals to the field, in words', () => {
    expect(servicesFieldOf('services.update: forwardAlways.target: must be a phone number or extension')).toBe('forwardAlways');
    expect(servicesFieldOf(['forwardNoAnswer', 'seconds'])).toBe('forwardNoAnswerSeconds');
    expect(servicesFieldOf(['screenPop', 'outgoingUrl'])).toBe('outgoingUrl');
    expect(servicesFieldOf('Something else')).toBeUndefined();
    expect(servicesServerProblem('blacklist: set by your administrator')).toEqual({ field: 'blacklist', problem: { key: 'services.locked' } });
    expect(servicesServerProblem('forwardBusy.target: enter a number or choose voicemail')).toEqual({ field: 'forwardBusy', problem: { key: 'services.error.forwardTarget' } });
    expect(servicesServerProblem('followMe.number: enter the number to ring')).toEqual({ field: 'followMe', problem: { key: 'services.error.followMeNumber' } });
    expect(servicesServerProblem('presentAs: not one of the numbers your administrator allows').problem).toEqual({ key: 'services.error.presentAs' });
    expect(servicesServerProblem('services.update: screenPop.incomingUrl: must start with http:// or https://').problem).toEqual({ key: 'screenPop.error.not-http' });
    for (const f of SERVICES_FIELDS) expect(servicesServerProblem(`${f}: x`).problem === undefined || translated(servicesServerProblem(`${f}: x`).problem!.key)).toBe(true);
  });

  it('reads lists one number per line and compares values whatever the key order', () => {
    expect(numberLines(' 1002 \n\n1003;1002,+33 6 12')).toEqual(['1002', '1003', '+33 6 12']);
    expect(sameValue({ enabled: true, target: 'x' }, { target: 'x', enabled: true })).toBe(true);
    expect(sameValue(['a'], ['a', 'b'])).toBe(false);
    expect(sameValue(Number.NaN, 20)).toBe(false);
  });
});

describe('where each service is carried out', () => {
  it('says the place of do-not-disturb for the scope chosen in the form, before it is saved', () => {
    const pbx = view({ where: { dnd: 'console', forward: 'pbx', followMe: 'pbx', screening: 'console' } });
    expect(dndPlace(pbx, 'console')).toBe('console');
    expect(dndPlace(pbx, 'everywhere')).toBe('pbx');
    const codes = view({ admin: { ...view().admin, featureCodes: { dndOn: '*78', dndOff: '*79' } } });
    expect(dndPlace(codes, 'everywhere')).toBe('codes');
    expect(dndPlace(view(), 'everywhere')).toBe('console'); // nothing else: the tab warns it only works here
    const saved = view({ where: { dnd: 'pbx', forward: 'pbx', followMe: 'pbx', screening: 'console' } }, { dndScope: 'everywhere' });
    expect(dndPlace(saved, 'everywhere')).toBe('pbx');
  });

  it('with feature codes, a forwarding rule without its own code is done by the console', () => {
    const v = view({
      where: { dnd: 'console', forward: 'codes', followMe: 'unavailable', screening: 'console' },
      admin: { ...view().admin, featureCodes: { forwardAlwaysOn: '*72', forwardAlwaysOff: '*73', forwardBusyOn: '*90', forwardBusyOff: '*91' } },
    });
    expect(forwardRulePlace(v, 'forwardAlways')).toBe('codes');
    expect(forwardRulePlace(v, 'forwardBusy')).toBe('codes');
    expect(forwardRulePlace(v, 'forwardNoAnswer')).toBe('console');
    for (const place of ['pbx', 'codes', 'console', 'unavailable']) expect(translated(`services.where.${place}`)).toBe(true);
  });

  it('shows the apply state, with a translated reason for every failure main reports', () => {
    expect(applyProblem({ state: 'idle' })).toBeUndefined();
    expect(applyProblem({ state: 'applying' })).toEqual({ key: 'services.apply.applying' });
    expect(applyProblem({ state: 'applied', at: 1 })).toEqual({ key: 'services.apply.applied' });
    expect(applyProblem({ state: 'failed', error: 'timeout' })).toEqual({ key: 'services.apply.failed', reason: 'services.apply.error.timeout' });
    expect(applyProblem({ state: 'failed', error: 'martian' })).toEqual({ key: 'services.apply.failed', reason: 'services.apply.error.other' });
    for (const code of [...APPLY_ERRORS, 'other']) expect(translated(`services.apply.error.${code}`)).toBe(true);
  });
});

describe('info pane and dial field', () => {
  it('line state: do-not-disturb > always-forward > busy > free (seed 001 §3)', () => {
    const fwd = view({}, { forwardAlways: { enabled: true, target: '2003' } });
    expect(lineStateOf(true, fwd, true)).toBe('dnd');
    expect(lineStateOf(false, fwd, true)).toBe('forward');
    expect(lineStateOf(false, view({}, { forwardAlways: { enabled: true, target: '' } }), true)).toBe('busy');
    expect(lineStateOf(false, view({}, { forwardAlways: { enabled: false, target: '2003' } }), false)).toBe('none');
    expect(lineStateOf(false, undefined, false)).toBe('none');
  });

  it('lists the conditional forwards in force; follow-me only where it can be done', () => {
    const v = view({}, { forwardBusy: { enabled: true, target: 'voicemail' }, followMe: { enabled: true, number: '0612', seconds: 5 } });
    expect(conditionalForwards(v)).toEqual(['forwardBusy']);
    expect(conditionalForwards({ ...v, where: { ...v.where, followMe: 'pbx' } })).toEqual(['forwardBusy', 'followMe']);
  });

  it('offers her own number, each provisioned identity with its label, and anonymous', () => {
    expect(presentAsChoices(view(), '1001')).toEqual([
      { value: '', key: 'services.presentAs.own', params: { number: '1001' } },
      { value: '+33 1 23 45 67 00', key: 'services.presentAs.identity', params: { label: 'Reception', number: '+33 1 23 45 67 00' } },
      { value: '0800 100 200', key: 'services.presentAs.number', params: { number: '0800 100 200' } },
      { value: 'anonymous', key: 'services.presentAs.anonymous' },
    ]);
    expect(parseCommand('call.dial', { target: '0612', presentAs: '0800 100 200' }).ok).toBe(true);
  });
});

describe('call.screened.* messages', () => {
  const v = view();
  it('forwarded calls say who, where and why; the voicemail deposit reads as voicemail', () => {
    const m = screenedMessage('call.screened.forward-always', { name: 'Zoë', number: '0612345678', target: '2003', ring: 1 }, v);
    expect(m).toEqual({ key: 'call.screened.forward-always', params: { name: 'Zoë', number: '0612345678', target: '2003', ring: 1, who: 'Zoë (0612345678)' } });
    expect(en['call.screened.forward-always'].replace('{who}', m.params!.who as string).replace('{target}', '2003')).toBe('Zoë (0612345678) was forwarded to 2003 (forward always).');
    expect(screenedMessage('call.screened.forward-no-answer', { name: '1002', number: '1002', target: '*1001' }, v)).toMatchObject({ key: 'call.screened.forward-no-answer.voicemail', params: { who: '1002' } });
    expect(screenedMessage('call.screened.forward-busy', { name: 'A', number: '1', target: '2003', voicemail: 1 }, v).key).toBe('call.screened.forward-busy.voicemail');
  });

  it('refused callers: busy without a target, voicemail with one', () => {
    expect(screenedMessage('call.screened.blacklist', { name: 'Spam', number: '0899' }, v).key).toBe('call.screened.blacklist');
    expect(screenedMessage('call.screened.blacklist', { name: 'Spam', number: '0899', target: '*1001' }, v).key).toBe('call.screened.blacklist.voicemail');
    expect(screenedMessage('call.screened.anonymous', { name: 'anonymous', number: 'anonymous', target: '*1001' }, v).key).toBe('call.screened.anonymous.voicemail');
    expect(screenedMessage('call.screened.dnd', { name: 'Zoë', number: '06', target: '*1001' }, v).key).toBe('call.screened.dnd.voicemail');
    expect(screenedMessage('call.incoming', { name: 'x' }, v)).toEqual({ key: 'call.incoming', params: { name: 'x' } });
  });

  it('every variant main can cause is translated', () => {
    for (const reason of ['blacklist', 'anonymous', 'dnd', 'forward-always', 'forward-busy', 'forward-no-answer']) {
      expect(translated(`call.screened.${reason}`)).toBe(true);
      expect(translated(`call.screened.${reason}.voicemail`)).toBe(true);
    }
    expect(translated('call.screened.deflectFailed')).toBe(true);
  });

  it('recognises the voicemail deposit number from the administrator’s pattern', () => {
    expect(isVoicemailDeposit('*1001', '*{ext}')).toBe(true);
    expect(isVoicemailDeposit('2003', '*{ext}')).toBe(false);
    expect(isVoicemailDeposit('8500', '8500')).toBe(true);
    expect(isVoicemailDeposit('85001', '8500')).toBe(false);
    expect(isVoicemailDeposit('*1001', undefined)).toBe(false);
  });
});
