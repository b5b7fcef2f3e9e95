/** Catalog's domain errors: plain data with a stable code and a kind; no HTTP here. */
type Kind = 'not_found' | 'conflict' | 'precondition_failed' | 'invalid';

abstract class CatalogError extends Error {
  abstract readonly kind: Kind;
  abstract readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown>) {
    super(message);
    this.details = details;
  }
}

export class ProductNotFound extends CatalogError {
  readonly kind = 'not_found';
  readonly code = 'catalog/product-not-found';
  constructor(productId: string) {
    super(`Product ${productId} does not exist.`, { productId });
  }
}

export class SkuTaken extends CatalogError {
  readonly kind = 'conflict';
  readonly code = 'catalog/sku-taken';
  constructor(sku: string) {
    super(`Another product already has SKU ${sku}.`, { sku });
  }
}

export class ProductArchived extends CatalogError {
  readonly kind = 'conflict';
  readonly code = 'catalog/product-archived';
  constructor(productId: string) {
    super(`Product ${productId} is archived and cannot change.`, { productId });
  }
}

export class VersionMismatch extends CatalogError {
  readonly kind = 'precondition_failed';
  readonly code = 'catalog/version-mismatch';
  constructor(productId: string, expected: readonly number[], actual: number) {
    const named =
      expected.length === 0 ? 'not a version If-Match names (a weak ETag or one this API did not issue matches none)' : `not ${expected.join(' or ')}`;
    super(`Product ${productId} is at version ${actual}, ${named}; read it again and retry.`, {
      productId,
      ...(expected.length === 1 ? { expectedVersion: expected[0] } : {}),
      expectedVersions: [...expected],
      currentVersion: actual,
    });
  }
}

export class InvalidPrice extends CatalogError {
  readonly kind = 'invalid';
  readonly code = 'catalog/invalid-price';
  constructor(reason: string) {
    super(reason, {});
  }
}
