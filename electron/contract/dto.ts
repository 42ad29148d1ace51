/** Data that crosses the IPC boundary. Pure TS + zod: no node, no DOM, no electron. */
import { z } from 'zod';

export const LANGUAGES = ['en', 'fr', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];
export const THEMES = ['light', 'dark', 'system'] as const;
export type Theme = (typeof THEMES)[number];

const hostPattern = /^[A-Za-z0-9.\-:[\]]+$/;

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
  /** How an incoming call is declined: 486 Busy Here or 603 Decline. */
  rejectCode: z.union([z.literal(486), z.literal(603)]).optional(),
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
}

export type RegistrationView =
  | { readonly state: 'unregistered' }
  | { readonly state: 'registering'; readonly attempt: number }
  | { readonly state: 'registered'; readonly expiresAt: number }
  | {
      readonly state: 'failed';
      readonly reason: 'auth' | 'timeout' | 'dns' | 'tls' | 'network' | 'rejected';
      readonly detail: string;
      readonly retryAt?: number;
    };

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

export interface Preferences {
  readonly language: Language;
  readonly theme: Theme;
  readonly declineCode: 486 | 603;
  readonly microphoneId?: string;
  readonly speakerId?: string;
  readonly ringerId?: string;
}

export const PreferencesPatchSchema = z.strictObject({
  language: z.enum(LANGUAGES).optional(),
  theme: z.enum(THEMES).optional(),
  declineCode: z.union([z.literal(486), z.literal(603)]).optional(),
  microphoneId: z.string().max(512).optional(),
  speakerId: z.string().max(512).optional(),
  ringerId: z.string().max(512).optional(),
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
}
