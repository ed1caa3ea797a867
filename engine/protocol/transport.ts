/**
 * A transport carries JSON-safe frames between one client and the engine: a WebSocket, a child
 * process's IPC channel, an Electron MessagePort, or an in-process pair. Frames are parsed values
 * (objects), never raw text: a transport that speaks text parses it (and refuses what does not parse).
 */
export interface Transport {
  send(frame: unknown): void;
  /** Registers the receiver of inbound frames (one per transport). */
  onMessage(cb: (frame: unknown) => void): void;
  /** Called once when the transport closes, from either side. */
  onClose(cb: (reason: string) => void): void;
  close(): void;
}
