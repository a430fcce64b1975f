// Prisma CLI configuration (Prisma 7 keeps the connection URL out of schema.prisma).
// Netra applies migrations itself (`npm run db:migrate`); on a machine with Prisma's native engine,
// `npx prisma migrate deploy` / `migrate status` read the same folder and agree with it.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/netra' },
});
