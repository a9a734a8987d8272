/** Users, roles, TOTP approval 2FA and lockout: the pure rules, and the service that stores them. */
export * from './totp.ts';
export * from './lockout.ts';
export * from './roles.ts';
export * from './password.ts';
export * from './auth.service.ts';
export * from './approvals.service.ts';
