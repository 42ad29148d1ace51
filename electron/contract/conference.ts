/**
 * What "Leave the conference" does (issue 13 item 4; BroadWorks Receptionist "Quitter la conférence"): the
 * receptionist steps out and the others go on talking together. The conference is mixed in the console, so once she
 * is out the PBX has to carry them:
 * - one remote party: nobody to leave together — leaving is hanging up;
 * - two: connect them to each other (attended transfer of one to the other, REFER with Replaces);
 * - three or more: the PBX's conference room (preference `conferenceRoom`): each party is blind-transferred (REFER)
 *   there; without a room configured it cannot be done, and the receptionist is told why and offered End or stay.
 * Pure (contract/: the console service carries the plan out, the conference panel shows what Leave will do).
 */
export type LeavePlan =
  | { readonly kind: 'hangup'; readonly callIds: readonly string[] }
  | { readonly kind: 'connect'; readonly callIds: readonly [string, string] }
  | { readonly kind: 'room'; readonly room: string; readonly callIds: readonly string[] }
  | { readonly kind: 'no-room'; readonly parties: number };

/** `parties`: the remote parties still up in the conference (call ids, in the order they joined). */
export function planLeave(parties: readonly string[], conferenceRoom: string | undefined): LeavePlan {
  if (parties.length <= 1) return { kind: 'hangup', callIds: [...parties] };
  if (parties.length === 2) return { kind: 'connect', callIds: [parties[0]!, parties[1]!] };
  const room = conferenceRoom?.trim() ?? '';
  if (room === '') return { kind: 'no-room', parties: parties.length };
  return { kind: 'room', room, callIds: [...parties] };
}

/** Whether Leave can keep the others together (the panel offers End or stay instead when it cannot). */
export function canLeave(parties: number, conferenceRoom: string | undefined): boolean {
  return parties <= 2 || (conferenceRoom?.trim() ?? '') !== '';
}
