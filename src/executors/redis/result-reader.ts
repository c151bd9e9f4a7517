import type { Redis } from 'ioredis';
import { decode, type EngineMessage } from './protocol.js';

/** The result stream is trimmed after this many entries read (and whenever nothing is left in flight). */
const TRIM_EVERY = 500;

/** A client's result stream and what reading it calls back. */
export interface ResultStream {
  /** The connection that blocks reading the stream (it does nothing else). */
  reader: Redis;
  /** The connection that trims it. */
  command: Redis;
  /** The stream's key. */
  key: string;
  /** Handles each message, in the order engines wrote them. */
  onMessage: (message: EngineMessage) => void;
  /** Called after the messages of each read are handled. */
  afterRead: () => void;
  /** True when no task is in Redis: the stream is trimmed then, whatever was read. */
  idle: () => boolean;
  /** True once the client closes: reading stops. */
  closing: () => boolean;
  /** Logs a failed read (the line is not scrubbed here). */
  log: (line: string) => void;
}

/** Reads a client's result stream: one blocking read per batch of entries, from every engine. */
export async function readResults(stream: ResultStream): Promise<void> {
  const { reader, command, key } = stream;
  let last = '0-0';
  let read = 0;
  while (!stream.closing()) {
    let reply: Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
    try {
      reply = await reader.xreadBuffer('COUNT', 1000, 'BLOCK', 5000, 'STREAMS', key, last) as typeof reply;
    } catch (error) {
      if (stream.closing()) return;
      stream.log(`cannot read results: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    if (!reply) continue;
    for (const [, entries] of reply) {
      for (const [id, fields] of entries) {
        last = id.toString();
        const value = fields[1];
        if (!value) continue;
        let messages: EngineMessage[];
        try {
          messages = decode<EngineMessage[]>(value);
        } catch {
          continue; // not ours
        }
        for (const message of messages) stream.onMessage(message);
      }
    }
    // What is read is done with: keep the stream short, without a trim per read.
    read += reply.reduce((sum, [, entries]) => sum + entries.length, 0);
    if (read >= TRIM_EVERY || stream.idle()) {
      read = 0;
      command.xtrim(key, 'MINID', last).catch(() => undefined);
    }
    stream.afterRead();
  }
}
