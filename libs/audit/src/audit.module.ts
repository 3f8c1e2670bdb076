import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditController } from './audit.controller';
import { AUDIT_QUERY_HANDLERS } from './audit.queries';

/** What auditors replay, read from the log itself. */
@Module({
  imports: [CqrsModule],
  controllers: [AuditController],
  providers: [...AUDIT_QUERY_HANDLERS],
})
export class AuditModule {}
