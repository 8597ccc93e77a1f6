export interface TcpProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>`: for HTTP services such as the local KMS. */
  readonly endpoint: string;
  /** While on, every byte is swallowed both ways: requests hang, connections stay open. */
  setBlackhole(on: boolean): void;
  /** While on, new connections are dropped at once; turning it on also cuts the open ones. */
  setDown(on: boolean): void;
  /** Destroy every open connection. */
  cut(): void;
  close(): Promise<void>;
}
/** Start a proxy to 127.0.0.1:`targetPort` on a free 127.0.0.1 port. */
export function startTcpProxy(targetPort: number): Promise<TcpProxy>;
