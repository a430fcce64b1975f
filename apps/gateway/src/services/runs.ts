import { NotFoundError, type Run } from '@netra/contracts';
import type { Db } from '@netra/db';
import { toRun } from './mappers.js';

export class RunService {
  constructor(private readonly db: Db) {}

  async get(userId: string, runId: string): Promise<Run> {
    const row = await this.db.run.findFirst({
      where: { id: runId, userId },
      include: { assistantMessage: { select: { id: true } }, steps: { orderBy: { position: 'asc' } } },
    });
    if (!row) throw new NotFoundError('Run');
    return toRun(row);
  }
}
