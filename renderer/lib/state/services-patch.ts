/**
 * Settings › Services: the form as a `services.update` patch, checked with the contract's own schema
 * (CallServicesPatchSchema, the one main checks again). Split from services-form.ts (issue 14): that module is used by
 * the panes at start, this one only by the Settings dialog, which is loaded on demand — so the schema (and zod) stay
 * out of the start-up bundle. Pure: unit-tested in tests/unit/renderer-services-form.test.ts.
 */
import { CallServicesPatchSchema, LOCKABLE_SERVICES, type CallServices, type CallServicesPatch, type LockableService } from '../../../electron/contract/services';
import {
  FIELD_PROBLEM,
  FORWARD_RULES,
  sameValue,
  screenPopTemplateProblem,
  servicesFieldOf,
  servicesFromForm,
  type FieldProblem,
  type ServicesField,
  type ServicesFieldErrors,
  type ServicesForm,
} from './services-form';

export type ServicesPatchResult = { ok: true; patch: CallServicesPatch } | { ok: false; errors: ServicesFieldErrors };

/**
 * The form as a `services.update` patch: the services that differ from `current` and are not in `locked`, or the
 * problems by field. An empty patch means nothing changed.
 */
export function servicesPatchFrom(form: ServicesForm, current: CallServices, locked: readonly LockableService[] = []): ServicesPatchResult {
  const next = servicesFromForm(form);
  const errors: ServicesFieldErrors = {};
  const put = (field: ServicesField, problem: FieldProblem): void => {
    if (!errors[field]) errors[field] = problem;
  };
  const patch: Record<string, unknown> = {};
  for (const key of LOCKABLE_SERVICES) {
    if (locked.includes(key) || sameValue(next[key], current[key])) continue;
    patch[key] = next[key];
  }

  // What main refuses beyond the schema (call-services.ts #merge): an active rule needs somewhere to go.
  for (const rule of FORWARD_RULES) {
    if (rule in patch && next[rule].enabled && next[rule].target === '') put(rule, { key: 'services.error.forwardTarget' });
  }
  if ('followMe' in patch && next.followMe.enabled && next.followMe.number === '') put('followMe', { key: 'services.error.followMeNumber' });
  if ('screenPop' in patch) {
    for (const field of ['incomingUrl', 'outgoingUrl'] as const) {
      const code = screenPopTemplateProblem(next.screenPop[field]);
      if (code) put(field, { key: `screenPop.error.${code}` });
    }
  }

  const parsed = CallServicesPatchSchema.safeParse(patch);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = servicesFieldOf(issue.path);
      if (!field) continue;
      const [list, index] = issue.path;
      if ((list === 'priorityCallers' || list === 'blacklist') && typeof index === 'number') {
        const value = next[list][index];
        put(field, value === undefined ? { key: 'services.error.listTooLong' } : { key: 'services.error.list', params: { value } });
      } else {
        put(field, { key: FIELD_PROBLEM[field] });
      }
    }
    // An issue on no field of ours (cannot happen with the form's choices): still not sent.
    if (Object.keys(errors).length === 0) put('forwardAlways', { key: 'services.error.number' });
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, patch: patch as CallServicesPatch };
}
