/**
 * @module platform/http
 * The HTTP layer every module is served through: app factory on @hono/zod-openapi, RFC 9457 problem responses,
 * contract routes with their declared problems, the schema blocks (money in requests among them) and text rule that
 * keep contract and validation in agreement, CORS, the API reference page. Not for business rules; handlers call use
 * cases.
 */
export { createApp, createRouter } from './create-app.ts';
export type { App, AppOptions } from './create-app.ts';
export { guardMiddleware } from './edge.ts';
export type { EdgeGuard } from './edge.ts';
export type { AppEnv, AppVariables } from './app-env.ts';
export { contractRoute, jsonContent, problemResponses } from './route.ts';
export { deprecationHeaders } from './deprecation.ts';
export type { RouteDeprecation } from './deprecation.ts';
export { CleaveError, isDomainError, errorKinds } from './errors.ts';
export type { DomainErrorLike, ErrorKind } from './errors.ts';
export { problem, problemResponse, problemSchema, problemMediaType, statusByKind, fieldErrorSchema } from './problem.ts';
export type { Problem, FieldError, ProblemInit } from './problem.ts';
export { validationHook } from './validation-hook.ts';
export { fieldErrors } from './field-errors.ts';
export { instant, uuid, text, queryInteger, moduleName } from './schemas.ts';
export type { TextOptions, QueryIntegerOptions } from './schemas.ts';
export { currencyCode, currencyCodes, isCurrencyCode, maxMoneyAmount, moneyAmount } from './money.ts';
export type { CurrencyCode } from './money.ts';
export { textRulePattern, textRuleViolation } from './text-rules.ts';
export { documentTextRule } from './openapi-text-rule.ts';
export { cors } from './cors.ts';
export type { CorsOptions } from './cors.ts';
export { parseIdempotencyKey, idempotencyKeyPattern } from './idempotency-key.ts';
export { isUnsafe, unsafeMethodNames, isModuleOperation, takesIdempotencyKey, upstreamCodes } from './platform-problems.ts';
export type { ProblemDeclaration } from './platform-problems.ts';
export type { RouteContract, UndeclaredProblems } from './declared-problems.ts';
export { mountDocs } from './docs.ts';
export { mountStaticAssets } from './static-assets.ts';
export { requestLog } from './middleware.ts';
export { anyModule, operatorAccess, operatorScope, describeAccess, securityOf, securityScheme, securitySchemeName } from './access.ts';
export type { Access } from './access.ts';
export { secureHeaders } from './edge-headers.ts';
export { basicCredentials, type BasicCredentials } from './basic-credentials.ts';
export { unreadBodyProblem } from './edge-headers.ts';
export type { EdgeArrival, EdgeBindings, EdgeHeaderSink } from './edge-headers.ts';
export type { RequestLogOptions, RequestObserver } from './access-log.ts';
export { formBody, formMediaType } from './form-body.ts';
export { asForwarder, asMiddleware, markForwardedRoutes, markRoute, routeMarks } from './route-marks.ts';
export type { RouteMarks } from './route-marks.ts';
export { allows } from './access.ts';
export { authorize, authorizeGuard, bearerToken, clientBudget, moduleCaller, onBehalfOfHeader, principalOf } from './authorize.ts';
export type { AuthorizeOptions, Refusal } from './authorize.ts';
export { routeAccess } from './route-marks.ts';
export { clientAddress, peerAddress } from './client-address.ts';
export { canonicalAddress, ipRanges, isIpAddress, isIpRange } from './ip-ranges.ts';
export type { IpRanges } from './ip-ranges.ts';
export { credentialLimit, rateLimit, rateLimitGuard } from './rate-limit.ts';
export type { CredentialAccount, RateLimitOptions } from './rate-limit.ts';
export type { RateLimitPolicy, RateLimitState, RateLimitStore } from './rate-limit-store.ts';
