import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { registerBodyParsers } from './http/body-parsers';
import { BODY_LIMIT_BYTES } from './http/limits';
import { registerWebUi } from './http/web-ui';

export { BODY_LIMIT_BYTES };

/** The application as `main.ts` starts it; e2e tests start the very same one on a free port. */
export async function createApp(options: AppModuleOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(options),
    // onProtoPoisoning/onConstructorPoisoning 'error': a body with __proto__ or constructor.prototype is refused.
    new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, onProtoPoisoning: 'error', onConstructorPoisoning: 'error' }),
    // Nest's body parsers are replaced by ours: shop webhooks need the raw bytes.
    { bufferLogs: true, bodyParser: false },
  );
  registerBodyParsers(app.getHttpAdapter().getInstance());
  await registerWebUi(app.getHttpAdapter().getInstance());
  app.useLogger(app.get(Logger));
  // Registered here rather than as a provider so that it also formats the errors Fastify raises before a
  // route runs (a body too large, malformed JSON).
  app.useGlobalFilters(new AllExceptionsFilter());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('team-inbox')
      .setDescription("A team's shared customer inbox: the HTTP API, version 1")
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
