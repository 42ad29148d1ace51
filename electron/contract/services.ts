/**
 * The receptionist's call-routing services (issue 12): do-not-disturb scope, forwarding, follow-me, priority callers,
 * blacklist, anonymous callers, the presented (outgoing) number and screen-pop automation. Kept in its own file and
 * spread into `commands` / `Events` by contract.ts. Pure TS + zod.
 *
 * The on/off switch of do-not-disturb stays `preferences.doNotDisturb` (tray, info pane, headset); its *scope* lives
 * here. Where each service is carried out (`ServicesView.where`) is decided in main from what the administrator set up:
 * the PBX management connection (Asterisk AMI: AstDB keys), else feature codes the console dials silently, else the
 * console itself (302 / 486 / 603) — which only works while the console runs, and the view says so.
 */
import { z } from 'zod';

function def<R>() {
  return <A extends z.ZodType>(args: A): { readonly args: A; readonly result?: R } => ({ args });
}

/** What a refused caller gets. `voicemail`: sent to the receptionist's mailbox (the voicemail deposit number). */
export const REFUSAL_ACTIONS = ['busy', 'voicemail'] as const;
export type RefusalAction = (typeof REFUSAL_ACTIONS)[number];

/** `console`: only this console stops ringing (colleagues still see the receptionist available). */
export const DND_SCOPES = ['console', 'everywhere'] as const;
export type DndScope = (typeof DND_SCOPES)[number];

export const SCREEN_POP_TRIGGERS = ['ringing', 'answer'] as const;
export type ScreenPopTrigger = (typeof SCREEN_POP_TRIGGERS)[number];
/** `browser`: the default browser (Electron) / a new tab (web host); `single`: one console window reused; `multi`: one per call. */
export const SCREEN_POP_WINDOWS = ['browser', 'single', 'multi'] as const;
export type ScreenPopWindow = (typeof SCREEN_POP_WINDOWS)[number];

/** Where a service is carried out. `unavailable`: nothing here can do it (e.g. follow-me without the PBX connection). */
export type ServicePlace = 'pbx' | 'codes' | 'console' | 'unavailable';

/** The special forwarding target "the receptionist's voicemail". */
export const VOICEMAIL_TARGET = 'voicemail';

export interface ForwardRule {
  readonly enabled: boolean;
  /** A number or extension, or `voicemail`. */
  readonly target: string;
}

export interface ScreenPopSettings {
  /** URL template for incoming calls (`''`: off). Placeholders: see electron/services/screen-pop.ts. */
  readonly incomingUrl: string;
  /** URL template for outgoing calls (`''`: off). */
  readonly outgoingUrl: string;
  readonly trigger: ScreenPopTrigger;
  readonly window: ScreenPopWindow;
}

/** The receptionist's choices (saved; provisioning gives the defaults). */
export interface CallServices {
  readonly dndScope: DndScope;
  /** What callers get while do-not-disturb is on. */
  readonly dndAction: RefusalAction;
  readonly forwardAlways: ForwardRule;
  readonly forwardBusy: ForwardRule;
  readonly forwardNoAnswer: ForwardRule & { readonly seconds: number };
  /** A short ring on the console when a call is forwarded (only for calls the console sees: console mode). */
  readonly warningRing: boolean;
  /** Also ring this number after `seconds` (the PBX does it: needs the PBX connection). */
  readonly followMe: { readonly enabled: boolean; readonly number: string; readonly seconds: number };
  /** Callers who still ring through do-not-disturb (and are never refused). */
  readonly priorityCallers: readonly string[];
  readonly blacklist: readonly string[];
  readonly blacklistAction: RefusalAction;
  /** Callers without a number: `allow`, or refused (busy) / sent to voicemail. */
  readonly anonymous: 'allow' | RefusalAction;
  /** The number presented on outgoing calls: `''` the account's own, `anonymous`, or one of `ServicesAdmin.identities`. */
  readonly presentAs: string;
  readonly screenPop: ScreenPopSettings;
}

export const DEFAULT_CALL_SERVICES: CallServices = {
  dndScope: 'console',
  dndAction: 'busy',
  forwardAlways: { enabled: false, target: '' },
  forwardBusy: { enabled: false, target: '' },
  forwardNoAnswer: { enabled: false, target: '', seconds: 20 },
  warningRing: false,
  followMe: { enabled: false, number: '', seconds: 10 },
  priorityCallers: [],
  blacklist: [],
  blacklistAction: 'busy',
  anonymous: 'allow',
  presentAs: '',
  screenPop: { incomingUrl: '', outgoingUrl: '', trigger: 'ringing', window: 'browser' },
};

/** Feature codes of PBXs without a management connection (FreePBX defaults shown). The number follows the "on" codes. */
export interface FeatureCodes {
  readonly dndOn?: string; // *78
  readonly dndOff?: string; // *79
  readonly forwardAlwaysOn?: string; // *72
  readonly forwardAlwaysOff?: string; // *73
  readonly forwardBusyOn?: string; // *90
  readonly forwardBusyOff?: string; // *91
  readonly forwardNoAnswerOn?: string; // *52
  readonly forwardNoAnswerOff?: string; // *53
}

/** A number the administrator allows the receptionist to present. */
export interface Identity {
  readonly number: string;
  readonly label?: string;
}

/** The administrator's part (provisioning only): what may be presented, feature codes, locks. */
export interface ServicesAdmin {
  readonly identities: readonly Identity[];
  /** How the presented number is signalled to the PBX (Asterisk honours P-Asserted-Identity with trust_id_inbound). */
  readonly identityHeader: 'pai' | 'ppi';
  /** Where "voicemail" sends a caller: a number the PBX answers with the receptionist's mailbox (`{ext}` = her extension). */
  readonly voicemailDeposit: string;
  readonly featureCodes?: FeatureCodes;
  /** Settings the receptionist may not change (shown, greyed, "set by your administrator"). */
  readonly locked: readonly LockableService[];
}

export const LOCKABLE_SERVICES = [
  'dndScope',
  'dndAction',
  'forwardAlways',
  'forwardBusy',
  'forwardNoAnswer',
  'warningRing',
  'followMe',
  'priorityCallers',
  'blacklist',
  'blacklistAction',
  'anonymous',
  'presentAs',
  'screenPop',
] as const;
export type LockableService = (typeof LOCKABLE_SERVICES)[number];

/** Applying the receptionist's choices on the PBX (or by feature codes). */
export interface ServicesApplyView {
  readonly state: 'idle' | 'applying' | 'applied' | 'failed';
  /** Failure reason as a code the renderer translates: `unreachable`, `refused`, `timeout`, `not-registered`, `code-failed`. */
  readonly error?: string;
  /** Epoch ms of the last success. */
  readonly at?: number;
}

/** What colleagues' PBX state says (PBX connection only): shown next to their lamp. */
export interface ColleagueServicesView {
  readonly dnd?: boolean;
  readonly forwardAlways?: string;
}

export interface ServicesView {
  readonly settings: CallServices;
  readonly admin: ServicesAdmin;
  readonly where: {
    readonly dnd: ServicePlace;
    readonly forward: ServicePlace;
    readonly followMe: ServicePlace;
    /** Blacklist, anonymous and priority callers on the console's own calls. */
    readonly screening: ServicePlace;
  };
  readonly apply: ServicesApplyView;
  /** By extension, for favorites (PBX connection only). */
  readonly colleagues?: Readonly<Record<string, ColleagueServicesView>>;
}

// ───────────────────────────── schemas ─────────────────────────────

/** A dialable number or extension as a receptionist types it (spaces, dots, dashes, parentheses allowed). */
const number = z
  .string()
  .trim()
  .max(64)
  .regex(/^[0-9A-Za-z+*#() .\-/]*$/, 'must be a phone number or extension');
const target = z.union([z.literal(VOICEMAIL_TARGET), number]);
const seconds = z.number().int().min(1).max(120);
const refusal = z.enum(REFUSAL_ACTIONS);
export const FEATURE_CODE_RE = /^[0-9*#]{1,16}$/;
const featureCode = z.string().regex(FEATURE_CODE_RE, 'must be digits, * or #');

/** A screen-pop template: http(s) only (checked again after expansion), placeholders in braces. */
const urlTemplate = z
  .string()
  .trim()
  .max(2048)
  .refine((t) => t === '' || /^https?:\/\//i.test(t), 'must start with http:// or https://');

const forwardRule = z.strictObject({ enabled: z.boolean(), target });

export const CallServicesPatchSchema = z.strictObject({
  dndScope: z.enum(DND_SCOPES).optional(),
  dndAction: refusal.optional(),
  forwardAlways: forwardRule.optional(),
  forwardBusy: forwardRule.optional(),
  forwardNoAnswer: forwardRule.extend({ seconds }).optional(),
  warningRing: z.boolean().optional(),
  followMe: z.strictObject({ enabled: z.boolean(), number, seconds: z.number().int().min(0).max(120) }).optional(),
  priorityCallers: z.array(number.min(1)).max(500).optional(),
  blacklist: z.array(number.min(1)).max(5000).optional(),
  blacklistAction: refusal.optional(),
  anonymous: z.enum(['allow', ...REFUSAL_ACTIONS]).optional(),
  presentAs: z.string().trim().max(64).optional(),
  screenPop: z
    .strictObject({
      incomingUrl: urlTemplate,
      outgoingUrl: urlTemplate,
      trigger: z.enum(SCREEN_POP_TRIGGERS),
      window: z.enum(SCREEN_POP_WINDOWS),
    })
    .optional(),
});
export type CallServicesPatch = z.infer<typeof CallServicesPatchSchema>;

/** The provisioning file's `services` section: the receptionist's defaults plus the administrator's part. */
export const ServicesProvisioningSchema = CallServicesPatchSchema.extend({
  identities: z
    .array(z.strictObject({ number: number.min(1), label: z.string().trim().max(64).optional() }))
    .max(50)
    .optional(),
  identityHeader: z.enum(['pai', 'ppi']).optional(),
  voicemailDeposit: z
    .string()
    .max(32)
    .regex(/^[0-9*#]*(\{ext\})?[0-9*#]*$/, 'must be digits, * or # with an optional {ext}')
    .optional(),
  featureCodes: z
    .strictObject({
      dndOn: featureCode.optional(),
      dndOff: featureCode.optional(),
      forwardAlwaysOn: featureCode.optional(),
      forwardAlwaysOff: featureCode.optional(),
      forwardBusyOn: featureCode.optional(),
      forwardBusyOff: featureCode.optional(),
      forwardNoAnswerOn: featureCode.optional(),
      forwardNoAnswerOff: featureCode.optional(),
    })
    .optional(),
  locked: z.array(z.enum(LOCKABLE_SERVICES)).max(LOCKABLE_SERVICES.length).optional(),
});
export type ServicesProvisioning = z.output<typeof ServicesProvisioningSchema>;

export const servicesCommands = {
  /** Change the receptionist's services (locked ones are refused); answers the new view once applied (or failed). */
  'services.update': def<ServicesView>()(CallServicesPatchSchema),
  /** Retry applying on the PBX after a failure. */
  'services.retry': def<ServicesView>()(z.strictObject({})),
} as const;
export type ServicesCommandName = keyof typeof servicesCommands;

export interface ServicesEvents {
  'services.changed': ServicesView;
  /** Open a screen-pop URL (web host: the renderer opens it; Electron main opens it itself). */
  'screenPop.open': { readonly url: string; readonly window: ScreenPopWindow; readonly callId: string };
}
export const SERVICES_EVENT_NAMES = ['services.changed', 'screenPop.open'] as const satisfies readonly (keyof ServicesEvents)[];
