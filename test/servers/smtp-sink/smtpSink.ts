// A tiny SMTP server on loopback that accepts every message and keeps it in
// memory: the relay target for Cyrus's EmailSubmission in tests. It speaks
// just enough of RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing,
// RSET, NOOP, QUIT) for a well-behaved client.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface SunkMail {
  from: string;
  to: string[];
  data: string;
}

export interface SmtpSink {
  readonly port: number;
  readonly messages: SunkMail[];
  close(): Promise<void>;
}

const addr = (arg: string): string => /<([^>]*)>/.exec(arg)?.[1] ?? arg.trim();

function session(socket: Socket, messages: SunkMail[]): void {
  socket.setEncoding('latin1');
  let buffer = '';
  let from = '';
  let to: string[] = [];
  let data: string[] | null = null;
  const reply = (line: string) => socket.write(`${line}\r\n`);
  reply('220 smtp-sink ready');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 2);
      if (data) {
        if (line === '.') {
          messages.push({ from, to, data: data.join('\r\n') + '\r\n' });
          data = null;
          from = '';
          to = [];
          reply('250 2.0.0 queued');
        } else data.push(line.startsWith('..') ? line.slice(1) : line);
        continue;
      }
      const [verb = '', ...rest] = line.split(' ');
      const arg = rest.join(' ');
      switch (verb.toUpperCase()) {
        case 'EHLO':
          socket.write('250-smtp-sink\r\n250-8BITMIME\r\n250-SIZE 104857600\r\n250 SMTPUTF8\r\n');
          break;
        case 'HELO':
          reply('250 smtp-sink');
          break;
        case 'MAIL':
          from = addr(arg.replace(/^FROM:/i, '').split(' ')[0] ?? '');
          reply('250 2.1.0 ok');
          break;
        case 'RCPT':
          to.push(addr(arg.replace(/^TO:/i, '').split(' ')[0] ?? ''));
          reply('250 2.1.5 ok');
          break;
        case 'DATA':
          data = [];
          reply('354 end with <CRLF>.<CRLF>');
          break;
        case 'RSET':
          from = '';
          to = [];
          reply('250 ok');
          break;
        case 'NOOP':
          reply('250 ok');
          break;
        case 'QUIT':
          reply('221 bye');
          socket.end();
          break;
        default:
          reply('502 5.5.2 command not implemented');
      }
    }
  });
  socket.on('error', () => undefined);
}

export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const messages: SunkMail[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    session(socket, messages);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
