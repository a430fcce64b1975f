import WebSocket from 'ws';

/**
 * Opens a `ws` client; resolves on the server's first frame (`connection_established` on both servers). Shared by
 * bench:sockets and its forked ping client.
 */
export function openSocket(url: string, token?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    socket.once('error', reject);
    socket.once('message', () => {
      socket.off('error', reject);
      // A late error (the server went away) must not crash the bench.
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}

/** Sends `frame` and resolves on the first frame of type `replyType` that comes back (other frames pass by). */
export function exchange(socket: WebSocket, frame: { type: string } & Record<string, unknown>, replyType: string): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      if ((JSON.parse(data.toString()) as { type: string }).type !== replyType) return;
      socket.off('message', onMessage);
      resolve();
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify(frame));
  });
}
