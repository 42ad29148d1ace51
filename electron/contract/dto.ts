/** Data that crosses the IPC boundary. Pure TS + zod: no node, no DOM, no electron. */
import { z } from 'zod';
import { audioPreferencesPatchShape, type AudioPreferences } from './audio';
import type { CallContactView } from './contacts';
import type { HeadsetView } from './headset';
import type { MissedCallsView } from './missed-calls';
import type { FavoriteView, MwiView } from './presence';
import type { QueuesView } from './queues';
import type { ServicesView } from './services';
import type { VoicemailView } from './voicemail';
import { parkSlotsSchema, type ParkingView } from './parking';

export const LANGUAGES = ['en', 'fr', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];
/** The language preference: a UI language, or `system` (follow the OS in Electron, the browser's languages on the web). */
export const LANGUAGE_PREFERENCES = [...LANGUAGES, 'system'] as const;
export type LanguagePreference = (typeof LANGUAGE_PREFERENCES)[number];
export const THEMES = ['light', 'dark', 'system'] as const;
export type Theme = (typeof THEMES)[number];

const hostPattern = /^[A-Za-z0-9.\-:[\]]+$/;

/** Largest company-CA PEM accepted inline or from a file (a few certificates fit many times over). */
export const TLS_CA_MAX_CHARS = 64 * 1024;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;
/** The PEM CERTIFICATE blocks of `text` (text around them, as in CA bundles, is ignored). */
export function pemCertificates(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}
/**
 * One or more PEM CERTIFICATE blocks and no other PEM block (a private key pasted by mistake is refused); comments
 * or `openssl x509 -text` output around the blocks are allowed, as OpenSSL ignores them.
 */
export function isPemCertificates(text: string): boolean {
  const blocks = pemCertificates(text);
  return blocks.length > 0 && (text.match(/-----BEGIN /g) ?? []).length === blocks.length;
}
/** POSIX `/…` or Windows `C:\…` / `\\server\share…`. */
function isAbsolutePath(p: string): boolean {
  return /^\//.test(p) || /^[A-Za-z]:[\\/]/.test(p) || /^\\\\[^\\]/.test(p);
}

// issue 14: one list name or URI, optionally with one numbered range `{a..b}`; several separated by commas.
const BLF_LIST_ITEM = String.raw`(?:sips?:)?(?:[A-Za-z0-9._~!$&'()*+;=:@%-]|\{\d{1,3}\.\.\d{1,3}\})+`;
const BLF_LIST_SETTING = new RegExp(`^${BLF_LIST_ITEM}(?:\\s*,\\s*${BLF_LIST_ITEM})*$`);
/** How many lists a `blfListUri` setting names once its ranges are expanded. */
function blfListCount(v: string): number {
  let n = 0;
  for (const item of v.split(',')) {
    const m = /\{(\d{1,3})\.\.(\d{1,3})\}/.exec(item);
    n += m ? Math.abs(Number(m[2]) - Number(m[1])) + 1 : 1;
  }
  return n;
}

/** An account as entered in setup or in a provisioning file (the password is write-only). */
export const AccountInputSchema = z.strictObject({
  server: z.string().min(1).max(253).regex(hostPattern, 'must be a host name or IP address'),
  port: z.number().int().min(1).max(65535).optional(),
  transport: z.enum(['udp', 'tcp', 'tls', 'ws', 'wss']).default('udp'),
  user: z.string().min(1).max(128).regex(/^[^\s@<>"]+$/, 'must not contain spaces, @, < > or quotes'),
  authUser: z.string().min(1).max(128).optional(),
  password: z.string().max(256).default(''),
  displayName: z.string().max(128).optional(),
  domain: z.string().max(253).regex(hostPattern).optional(),
  outboundProxy: z.string().max(260).regex(hostPattern).optional(),
  registerExpires: z.number().int().min(30).max(86400).optional(),
  media: z.enum(['auto', 'webrtc', 'rtp']).default('auto'),
  tlsVerify: z.boolean().optional(),
  wsPath: z.string().max(256).regex(/^\//, 'must start with /').optional(),
  /**
   * Servers in order of preference (failover; back to the first when it answers again). Each may be a DNS name,
   * resolved the RFC 3263 way (NAPTR → SRV → A/AAAA; no port ⇒ SRV decides). Absent: `server` alone. All entries
   * must be WebSocket (ws/wss) or all not: the media mode follows the transport.
   */
  servers: z
    .array(
      z.strictObject({
        host: z.string().min(1).max(253).regex(hostPattern, 'must be a host name or IP address'),
        port: z.number().int().min(1).max(65535).optional(),
        transport: z.enum(['udp', 'tcp', 'tls', 'ws', 'wss']).optional(),
      }),
    )
    .min(1)
    .max(8)
    .optional(),
  /** DNS servers for the SIP server names ("ip" or "ip:port"); absent: the system's. */
  dnsServers: z
    .array(z.string().max(64).regex(/^(?:[0-9.]+|\[[0-9a-fA-F:.]+\])(?::\d{1,5})?$|^[0-9a-fA-F:]+$/, 'must be an IP address, optionally with :port'))
    .max(4)
    .optional(),
  /** CRLF keep-alive interval in seconds (0: none; default 10). */
  keepAliveSeconds: z.number().int().min(0).max(3600).optional(),
  /** No audio from the far end for this many seconds while both talk ⇒ the call ends as "line lost" (0: never; default 30). */
  mediaTimeoutSeconds: z.number().int().min(0).max(3600).optional(),
  /** RTP bridge: local IP address to use for audio (default: the one that routes to the PBX). */
  mediaAddress: z.string().max(64).regex(/^[0-9a-fA-F.:]+$/, 'must be an IP address').optional(),
  /**
   * Believe P-Asserted-Identity and auto-answer headers in INVITEs a proxy relays from other phones (two or more Via):
   * only when the proxy strips them from its users and sets them itself (docs/security.md). Default: off.
   */
  trustRelayedHeaders: z.boolean().optional(),
  /** How an incoming call is declined: 486 Busy Here or 603 Decline. */
  rejectCode: z.union([z.literal(486), z.literal(603)]).optional(),
  /** DTMF as RFC 4733 telephone-event in the media (default) or as SIP INFO. */
  dtmfMode: z.enum(['rfc4733', 'info']).optional(),
  /** TLS/WSS: the company CA inline, PEM (one or more CERTIFICATE blocks), trusted in addition to the usual roots. */
  tlsCa: z.string().max(TLS_CA_MAX_CHARS).refine(isPemCertificates, 'must be one or more PEM certificates (-----BEGIN CERTIFICATE----- …)').optional(),
  /** TLS/WSS: the company CA as an absolute path to a PEM file, read when the account is set up. */
  tlsCaFile: z.string().min(2).max(4096).refine(isAbsolutePath, 'must be an absolute path').optional(),
  // issue 14: BLF at scale (RFC 4662 resource lists, sip-core/api/presence.ts ResourceListOptions)
  /**
   * The busy-lamp list URI(s) the PBX offers (Asterisk `resource_list`), e.g. `sip:blf-1001@pbx`; a bare name takes the
   * domain. Several lists (each ≤ ~100 colleagues: Asterisk cannot send a larger first NOTIFY): comma-separated, or a
   * numbered pattern `blf-1001-{1..5}`; at most 20 (sip-core/presence/list-uris.ts).
   */
  blfListUri: z
    .string()
    .min(1)
    .max(1024)
    .regex(BLF_LIST_SETTING, 'must be a SIP URI or a list name (several: comma-separated, or a pattern like blf-{1..5})')
    .refine((v) => blfListCount(v) <= 20, 'names more than 20 lists')
    .optional(),
  /** XCAP root (Kamailio rls + xcap_server): the console publishes its favorites there as its resource list. */
  xcapRoot: z.string().min(8).max(512).regex(/^https?:\/\/[^\s<>"'\\]+$/, 'must be an http(s) URL').optional(),
});
export type AccountInput = z.input<typeof AccountInputSchema>;

/** An account as the renderer sees it: never the password. */
export interface AccountView {
  readonly id: string;
  readonly server: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
  readonly user: string;
  readonly displayName?: string;
  readonly media: 'auto' | 'webrtc' | 'rtp';
  readonly hasPassword: boolean;
  /** Settings › Account (issue 13 item 1): the authentication user, when not the user. */
  readonly authUser?: string;
  /** Settings › Account: the servers in order (primary first) when the account lists them; absent: `server` alone. */
  readonly servers?: readonly { readonly host: string; readonly port?: number; readonly transport?: AccountView['transport'] }[];
}

export type RegistrationView =
  | { readonly state: 'unregistered' }
  | { readonly state: 'registering'; readonly attempt: number; readonly server?: string }
  | { readonly state: 'registered'; readonly expiresAt: number; readonly server?: string; readonly backup?: boolean }
  | {
      readonly state: 'failed';
      readonly reason: 'auth' | 'timeout' | 'dns' | 'tls' | 'network' | 'rejected';
      readonly server?: string;
      /** The connection was lost while registered; calls stay up while the console reconnects. */
      readonly lost?: boolean;
      readonly detail: string;
      /** Reason `tls` only: the certificate problem, when known. */
      readonly tlsProblem?: TlsProblem;
      readonly retryAt?: number;
    };

/** Certificate problems behind a `tls` registration failure (mirrors sip-core's TlsProblem). */
export const TLS_PROBLEMS = ['expired', 'not-yet-valid', 'wrong-name', 'unknown-ca', 'self-signed', 'revoked', 'handshake'] as const;
export type TlsProblem = (typeof TLS_PROBLEMS)[number];

/**
 * The message key for a failed registration: `registration.failed.<reason>`, or `registration.failed.tls.<problem>`
 * when the certificate problem is known (the renderer's status and main's global message use the same words).
 */
export function registrationFailureKey(r: { readonly reason: string; readonly tlsProblem?: TlsProblem | undefined }): string {
  return r.reason === 'tls' && r.tlsProblem !== undefined ? `registration.failed.tls.${r.tlsProblem}` : `registration.failed.${r.reason}`;
}

export type CallStateView = 'dialing' | 'ringing' | 'incoming' | 'connecting' | 'active' | 'held' | 'ended';

export interface CallView {
  readonly id: string;
  readonly accountId: string;
  readonly direction: 'incoming' | 'outgoing';
  readonly state: CallStateView;
  readonly remote: { readonly displayName?: string; readonly user: string; readonly uri: string };
  readonly mediaMode: 'webrtc' | 'rtp';
  readonly createdAt: number;
  readonly answeredAt?: number;
  readonly endedAt?: number;
  readonly endReason?: string;
  readonly endStatus?: number;
  /** Line (1..preferences.lines) the call occupies. */
  readonly line: number;
  /** Our microphone is muted for this call (local only; the far end is not told). */
  readonly muted: boolean;
  /** Playback volume of this call, 0..1. */
  readonly volume: number;
  /** The far end holds us. */
  readonly remoteHold?: boolean;
  /** Last transfer of this call (REFER progress). */
  readonly transfer?: {
    readonly kind: 'blind' | 'attended';
    readonly target: string;
    readonly state: 'trying' | 'ringing' | 'done' | 'failed';
    readonly status?: number;
  };
  /** A consultation call made for an attended transfer of the (held) call `consultFor`. */
  readonly consultFor?: string;
  /** Calls sharing a conference id are mixed together in the renderer (each hears all the others). */
  readonly conferenceId?: string;
  /** Conference panel's Mute on this party: its voice is no longer mixed to the others nor played to us. */
  readonly partyMuted?: boolean;
  /** Epoch ms at which the console will answer this ringing call by itself (auto-answer). */
  readonly autoAnswerAt?: number;
  /** The console answered by itself: the renderer plays a short beep. */
  readonly autoAnswered?: boolean;
  /** Best-matching contact for the remote number (caller lookup); arrives in a later `call.changed`. */
  readonly contact?: CallContactView;
  /** Incoming: the number the caller dialed (To), when the PBX keeps it. */
  readonly called?: string;
  /** Incoming: forwarded here by a colleague or a PBX rule (Diversion / History-Info), when the PBX says so. */
  readonly diversion?: DiversionView;
}

/** Why a call was forwarded (RFC 5806 reasons; mirrors sip-core's DiversionReason). */
export const DIVERSION_REASONS = [
  'unknown',
  'user-busy',
  'no-answer',
  'unavailable',
  'unconditional',
  'time-of-day',
  'do-not-disturb',
  'deflection',
  'follow-me',
  'out-of-service',
  'away',
] as const;
export type DiversionReasonView = (typeof DIVERSION_REASONS)[number];
export interface DiversionView {
  readonly by: { readonly displayName?: string; readonly user: string; readonly uri: string };
  readonly reason?: DiversionReasonView;
  /** The number first dialed (the company's number when a PBX rule forwarded it). */
  readonly originallyCalled?: string;
  readonly count: number;
}

export type MessageLevel = 'info' | 'warning' | 'error';
/** A global-message-area entry. `key` + `params` are translated by the renderer; `text` is a fallback. */
export interface GlobalMessage {
  readonly id: string;
  readonly at: number;
  readonly level: MessageLevel;
  readonly key: string;
  readonly params?: Readonly<Record<string, string | number>>;
}

/** How long an incoming-call notification stays on screen (seconds). */
export const NOTIFICATION_SECONDS = [20, 10, 5] as const;
export type NotificationSeconds = (typeof NOTIFICATION_SECONDS)[number];

/** System-wide shortcuts of the Electron shell, as Electron accelerators; `''` = no shortcut for this action. */
export interface GlobalShortcuts {
  readonly answer: string;
  readonly hangup: string;
  readonly dialSelection: string;
}
export const DEFAULT_GLOBAL_SHORTCUTS = {
  answer: 'CommandOrControl+Alt+A',
  hangup: 'CommandOrControl+Alt+H',
  dialSelection: 'CommandOrControl+Alt+D',
} as const satisfies GlobalShortcuts;

/** Accelerators as Electron accepts them: modifiers + one key; anything else is refused (not registered). */
export function validAccelerator(accelerator: string): boolean {
  const parts = accelerator.split('+');
  const mods = new Set(['Command', 'Cmd', 'Control', 'Ctrl', 'CommandOrControl', 'CmdOrCtrl', 'Alt', 'Option', 'AltGr', 'Shift', 'Super', 'Meta']);
  const key = parts.at(-1) ?? '';
  return parts.length >= 2 && parts.slice(0, -1).every((m) => mods.has(m)) && /^(?:[A-Z0-9]|F(?:[1-9]|1[0-9]|2[0-4])|Space|Enter|Escape)$/.test(key);
}

export interface Preferences extends AudioPreferences {
  /** `system`: the OS language (Electron) or the browser's (web host) when it is en/fr/nl, else English. */
  readonly language: LanguagePreference;
  readonly theme: Theme;
  readonly declineCode: 486 | 603;
  readonly microphoneId?: string;
  readonly speakerId?: string;
  readonly ringerId?: string;
  /** Number of lines on the phone console (1..12). */
  readonly lines: number;
  /** Off ⇒ a second caller gets 486 Busy Here while a call is up. */
  readonly callWaiting: boolean;
  /** Answer incoming calls by themselves after N seconds (null: off). Only when no other call is up. */
  readonly autoAnswerAfter: number | null;
  /** Honour the PBX's auto-answer/intercom request (Call-Info answer-after, Alert-Info auto-answer). */
  readonly serverAutoAnswer: boolean;
  /** Feature codes (PBX-specific): directed pickup prefix (`**` + extension) and the park extension. */
  readonly pickupPrefix: string;
  readonly parkExtension: string;
  /** Park slots watched by BLF when there is no PBX connection (`701-720`; '' or absent: none). Issue 13 item 5. */
  readonly parkSlots?: string;
  /**
   * The PBX's conference room (an extension, e.g. 8000 → ConfBridge): Leave with three or more remote parties
   * blind-transfers each there. `''`: none (Leave then needs two parties at most).
   */
  readonly conferenceRoom: string;
  /** Legacy single switch (settings from before the three separate ones): read by microphoneProcessingOf (audio.ts). */
  readonly audioProcessing: boolean;
  /** Do not disturb: incoming calls are answered 486 Busy Here (the PBX may forward them). */
  readonly doNotDisturb: boolean;
  /**
   * tel:/sip: links from the OS or a browser fill the Number field for the receptionist to confirm instead of dialing
   * at once (default on: any web page can hand the console a link).
   */
  readonly confirmLinkDial: boolean;
  /** Start with the session, hidden in the tray (Electron). */
  readonly startAtLogin: boolean;
  /** USB headset control: `auto` (the one matching the audio device, else the first), `off`, or a headset id. */
  readonly headset: string;
  /** Label of the chosen microphone as the renderer sees it (picks the matching USB headset in `auto`). */
  readonly audioDeviceName?: string;
  /** Voicemail access number dialed by the voicemail button (default *97). */
  readonly voicemailNumber: string;
  /** Seconds an incoming-call notification stays on screen (Electron). */
  readonly notificationSeconds: NotificationSeconds;
  /** A compact always-on-top incoming-call window that does not take the keyboard focus (Electron). */
  readonly incomingCallWindow: boolean;
  /** issue 13 item 2: the favorites board stays beside the search results (Contacts › Search). */
  readonly favoritesBoard: boolean;
  /**
   * Pop-ups (002 §4.5): OS notifications for incoming and missed calls — Electron's own, or the browser's on the web
   * host when the receptionist allowed them. Badge and taskbar flash do not depend on it.
   */
  readonly popups: boolean;
  /** Global shortcuts (Electron). */
  readonly globalShortcuts: GlobalShortcuts;
  /**
   * Who a call is for: the company or service behind each number the receptionist answers (DNIS), shown on ringing
   * calls ("Call for Dupont SA"). Matched against the number dialed (calledLabel in called.ts).
   */
  readonly calledNames: readonly CalledName[];
}

export interface CalledName {
  readonly number: string;
  readonly name: string;
}
export const MAX_CALLED_NAMES = 200;

export const DEFAULT_PREFERENCES: Preferences = {
  language: 'system',
  theme: 'system',
  declineCode: 486,
  lines: 4,
  callWaiting: true,
  autoAnswerAfter: null,
  serverAutoAnswer: false,
  pickupPrefix: '**',
  parkExtension: '700',
  conferenceRoom: '',
  audioProcessing: true,
  doNotDisturb: false,
  confirmLinkDial: true,
  startAtLogin: false,
  headset: 'auto',
  voicemailNumber: '*97',
  notificationSeconds: 20,
  incomingCallWindow: false,
  favoritesBoard: false,
  popups: true,
  globalShortcuts: DEFAULT_GLOBAL_SHORTCUTS,
  calledNames: [],
};

const accelerator = z
  .string()
  .max(64)
  .refine((a) => a === '' || validAccelerator(a), 'must be modifiers and one key, e.g. CommandOrControl+Alt+A (or empty for none)');
const featureCode = z.string().min(1).max(16).regex(/^[0-9*#]+$/, 'must be digits, * or #');

export const PreferencesPatchSchema = z.strictObject({
  language: z.enum(LANGUAGE_PREFERENCES).optional(),
  theme: z.enum(THEMES).optional(),
  declineCode: z.union([z.literal(486), z.literal(603)]).optional(),
  microphoneId: z.string().max(512).optional(),
  speakerId: z.string().max(512).optional(),
  ringerId: z.string().max(512).optional(),
  lines: z.number().int().min(1).max(12).optional(),
  callWaiting: z.boolean().optional(),
  autoAnswerAfter: z.number().int().min(0).max(120).nullable().optional(),
  serverAutoAnswer: z.boolean().optional(),
  pickupPrefix: featureCode.optional(),
  parkExtension: featureCode.optional(),
  parkSlots: parkSlotsSchema.optional(),
  conferenceRoom: z.union([z.literal(''), featureCode]).optional(),
  audioProcessing: z.boolean().optional(),
  ...audioPreferencesPatchShape,
  doNotDisturb: z.boolean().optional(),
  confirmLinkDial: z.boolean().optional(),
  startAtLogin: z.boolean().optional(),
  headset: z.string().min(1).max(300).optional(),
  audioDeviceName: z.string().max(512).optional(),
  voicemailNumber: featureCode.optional(),
  notificationSeconds: z.union([z.literal(20), z.literal(10), z.literal(5)]).optional(),
  incomingCallWindow: z.boolean().optional(),
  favoritesBoard: z.boolean().optional(),
  popups: z.boolean().optional(),
  /** All three at once (an empty string turns one off); two actions may not share an accelerator. */
  globalShortcuts: z
    .strictObject({ answer: accelerator, hangup: accelerator, dialSelection: accelerator })
    .refine((s) => {
      const used = [s.answer, s.hangup, s.dialSelection].filter((a) => a !== '');
      return new Set(used).size === used.length;
    }, 'two actions cannot share the same shortcut')
    .optional(),
  calledNames: z
    .array(
      z.strictObject({
        number: z.string().trim().min(1).max(32).regex(/^\+?[0-9*#]+$/, 'must be a phone number (digits, optionally a leading +)'),
        name: z.string().trim().min(1).max(64),
      }),
    )
    .max(MAX_CALLED_NAMES)
    .optional(),
});
export type PreferencesPatch = z.infer<typeof PreferencesPatchSchema>;

/** Everything the renderer needs to draw itself from scratch (sent on connect and on request). */
export interface Snapshot {
  readonly version: number;
  readonly host: 'electron' | 'web';
  readonly needsSetup: boolean;
  readonly accounts: readonly AccountView[];
  readonly registrations: Readonly<Record<string, RegistrationView>>;
  readonly calls: readonly CallView[];
  readonly messages: readonly GlobalMessage[];
  readonly preferences: Preferences;
  readonly online: boolean;
  /** The USB headset slot (absent when the host has no headset service). */
  readonly headset?: HeadsetView;
  /** Favorites with their lamps (absent when the host has no presence service). */
  readonly favorites?: readonly FavoriteView[];
  /** Our mailbox (absent until the first message-summary NOTIFY). */
  readonly mwi?: MwiView;
  /** The Queued calls pane (absent when the host has no queue service). */
  readonly queues?: QueuesView;
  /** Call-routing services (absent when the host has no services extension). */
  readonly services?: ServicesView;
  /** The voicemail list (issue 13 item 7; absent when the host has no voicemail service). */
  readonly voicemail?: VoicemailView;
  /** The park panel (absent when the host has no parking service). */
  readonly parking?: ParkingView;
  /** Missed calls since the History was last viewed (absent when the host has no missed-calls extension). */
  readonly missed?: MissedCallsView;
}
