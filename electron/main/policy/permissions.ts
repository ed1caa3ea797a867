/**
 * Permission requests and checks from web content (camera, microphone, geolocation, notifications,
 * clipboard read, MIDI, HID, serial, fullscreen, ...): all refused. The workstation needs none of
 * them (alerts are shown in the page; the engine sends e-mail/Telegram/Slack itself), and a
 * permission granted to a compromised renderer is a way out of the sandbox.
 * Plain code, no electron import; electron/main/index.ts installs it on the session.
 */

export interface PermissionDecision {
  allow: false;
  reason: string;
}

/** `session.setPermissionRequestHandler` and `setPermissionCheckHandler`. */
export function permissionDecision(permission: string, requestingUrl: string | undefined): PermissionDecision {
  return { allow: false, reason: `permission ${JSON.stringify(permission)} refused for ${requestingUrl ?? 'unknown origin'}: the app grants no permissions` };
}

/** `session.setDevicePermissionHandler` (HID, serial, USB): refused. */
export function devicePermissionDecision(): false {
  return false;
}
