/**
 * PostgreSQL and Redis for queue mode: where they are (VOIPBIN_PG_URL, VOIPBIN_REDIS_URL, or the
 * defaults 127.0.0.1:5432 as user postgres and 127.0.0.1:6379), whether they answer, a fresh
 * database per run and the clean-up after it. The clients are n8n's own (`pg`, `ioredis` from the
 * cached install), so the repository needs no extra dependency.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';

import type { RuntimePaths } from './cache';
import { canConnect } from './processes';

export interface PostgresServer {
	host: string;
	port: number;
	user: string;
	password: string;
}

export interface PostgresDatabase extends PostgresServer {
	database: string;
}

export interface RedisServer {
	host: string;
	port: number;
	db: number;
}

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/0';

export function postgresFromEnv(): PostgresServer {
	const url = new URL(process.env.VOIPBIN_PG_URL || DEFAULT_PG_URL);
	return {
		host: url.hostname,
		port: Number(url.port || 5432),
		user: decodeURIComponent(url.username || 'postgres'),
		password: decodeURIComponent(url.password),
	};
}

export function redisFromEnv(): RedisServer {
	const url = new URL(process.env.VOIPBIN_REDIS_URL || DEFAULT_REDIS_URL);
	return {
		host: url.hostname,
		port: Number(url.port || 6379),
		db: Number(url.pathname.replace('/', '') || 0),
	};
}

/** Why queue mode cannot run here (PostgreSQL or Redis not answering), or undefined. */
export async function queueServicesMissing(): Promise<string | undefined> {
	const pg = postgresFromEnv();
	const redis = redisFromEnv();
	const missing: string[] = [];
	if (!(await canConnect(pg.host, pg.port)))
		missing.push(`no PostgreSQL at ${pg.host}:${pg.port} (VOIPBIN_PG_URL)`);
	if (!(await canConnect(redis.host, redis.port)))
		missing.push(`no Redis at ${redis.host}:${redis.port} (VOIPBIN_REDIS_URL)`);
	return missing.length ? missing.join(', ') : undefined;
}

interface PgClient {
	connect(): Promise<void>;
	query(sql: string): Promise<unknown>;
	end(): Promise<void>;
}

function n8nModule<T>(runtime: RuntimePaths, name: string): T {
	return createRequire(path.join(runtime.modules, 'n8n', 'package.json'))(name) as T;
}

async function withPostgres(
	runtime: RuntimePaths,
	server: PostgresServer,
	fn: (client: PgClient) => Promise<void>,
): Promise<void> {
	const { Client } = n8nModule<{ Client: new (config: object) => PgClient }>(runtime, 'pg');
	const client = new Client({ ...server, database: 'postgres' });
	await client.connect();
	try {
		await fn(client);
	} finally {
		await client.end();
	}
}

/** Creates an empty database with a unique name; `drop()` removes it (and its connections). */
export async function createDatabase(
	runtime: RuntimePaths,
	server = postgresFromEnv(),
): Promise<PostgresDatabase & { drop(): Promise<void> }> {
	const database = `voipbin_e2e_${Date.now()}_${randomBytes(3).toString('hex')}`;
	await withPostgres(runtime, server, (c) => c.query(`CREATE DATABASE ${database}`).then(() => {}));
	return {
		...server,
		database,
		drop: () =>
			withPostgres(runtime, server, (c) =>
				c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).then(() => {}),
			),
	};
}

/** Deletes every Redis key under a Bull prefix (a run's queue). */
export async function deleteRedisKeys(
	runtime: RuntimePaths,
	redis: RedisServer,
	prefix: string,
): Promise<void> {
	type Redis = {
		keys(pattern: string): Promise<string[]>;
		del(...keys: string[]): Promise<number>;
		quit(): Promise<unknown>;
	};
	const Redis = n8nModule<new (options: object) => Redis>(runtime, 'ioredis');
	const client = new Redis({
		host: redis.host,
		port: redis.port,
		db: redis.db,
		lazyConnect: false,
	});
	try {
		const keys = await client.keys(`${prefix}:*`);
		if (keys.length) await client.del(...keys);
	} finally {
		await client.quit();
	}
}
