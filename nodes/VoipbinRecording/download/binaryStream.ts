/**
 * Hands n8n's binary store a stream made here. `prepareBinaryData` takes a Buffer or a Node
 * `Readable`, and community nodes may not import `node:stream`. n8n-core's stores use two parts of
 * a Readable: its filesystem and S3 modes write it with `fs.writeFile`, which iterates it
 * (`Symbol.asyncIterator`); its in-memory and database modes collect it through `data`, `end`,
 * `error` and `close` events (`binaryToBuffer`). This class offers exactly those over an async
 * iterable, pulling one chunk at a time, so nothing is read ahead of the store.
 */

type Listener = (value?: unknown) => void;
type StreamEvent = 'data' | 'end' | 'error' | 'close';

export class BinaryStream {
	private readonly listeners = new Map<StreamEvent, Array<{ listener: Listener; once: boolean }>>();

	private flowing = false;

	private iterator?: AsyncIterator<Uint8Array>;

	constructor(private readonly chunks: AsyncIterable<Uint8Array>) {}

	[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
		this.iterator ??= this.chunks[Symbol.asyncIterator]();
		return this.iterator;
	}

	on(event: StreamEvent, listener: Listener): this {
		return this.listen(event, listener, false);
	}

	once(event: StreamEvent, listener: Listener): this {
		return this.listen(event, listener, true);
	}

	off(event: StreamEvent, listener: Listener): this {
		const list = this.listeners.get(event) ?? [];
		this.listeners.set(
			event,
			list.filter((entry) => entry.listener !== listener),
		);
		return this;
	}

	removeListener(event: StreamEvent, listener: Listener): this {
		return this.off(event, listener);
	}

	/** Stops reading; the source is closed (its `finally` blocks run). */
	destroy(): this {
		void this[Symbol.asyncIterator]()
			.return?.()
			.catch(() => undefined);
		return this;
	}

	private listen(event: StreamEvent, listener: Listener, once: boolean): this {
		this.listeners.set(event, [...(this.listeners.get(event) ?? []), { listener, once }]);
		if (event === 'data' && !this.flowing) {
			this.flowing = true;
			void this.flow();
		}
		return this;
	}

	private emit(event: StreamEvent, value?: unknown): void {
		const list = this.listeners.get(event) ?? [];
		this.listeners.set(
			event,
			list.filter((entry) => !entry.once),
		);
		for (const { listener } of list) listener(value);
	}

	/** Emits the chunks as `data` events, as a flowing Readable does. */
	private async flow(): Promise<void> {
		const iterator = this[Symbol.asyncIterator]();
		try {
			for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
				this.emit('data', Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length));
			}
			this.emit('end');
		} catch (error) {
			this.emit('error', error);
		}
		this.emit('close');
	}
}
