import { RequestMethod, type INestApplication, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';

/** One route of a controller: its method, its path's segments, and where its decorators' metadata sits. */
export interface ControllerRoute {
  method: string;
  /** The path's segments, the controller's prefix first (`:id` as written). */
  segments: string[];
  /** The handler and its controller, in the order Reflector.getAllAndOverride reads them. */
  targets: [handler: Type, controller: Type];
}

/** Every route the app's controllers declare, read from their decorators (the request guard, the docs). */
export function controllerRoutes(app: INestApplication): { routes: ControllerRoute[]; reflector: Reflector } {
  const reflector = app.get(Reflector);
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const routes: ControllerRoute[] = [];
  for (const { metatype } of discovery.getControllers()) {
    if (typeof metatype !== 'function') continue;
    const prefix = (Reflect.getMetadata(PATH_METADATA, metatype) as string | undefined) ?? '';
    const prototype = metatype.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as Type;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const segments = [prefix, path].flatMap((part) => part.split('/')).filter((segment) => segment !== '');
      routes.push({ method, segments, targets: [handler, metatype as Type] });
    }
  }
  return { routes, reflector };
}
