import { defineContract } from '../../../platform/contracts/index.ts';
import { listClients, listKeys, putBrowserClient, registerClient, rotateKeys } from './admin.routes.ts';
import { confirmErasure, eraseCurrentUser, eraseUser, getErasure } from './erasure.routes.ts';
import { userErased, userRegistered } from './events.ts';
import { auditKeys, signCheckpoint } from './audit.routes.ts';
import { authorizePage, authorizeSubmit, jwks, revoke, serverMetadata, token } from './oauth.routes.ts';
import { findUsers, getCurrentUser, getUserContact, registerUser } from './users.routes.ts';

export const identityContract = defineContract('identity', {
  // The metadata document first: the host links to a module's first parameterless GET as its front page.
  routes: {
    serverMetadata,
    jwks,
    token,
    revoke,
    authorizePage,
    authorizeSubmit,
    registerUser,
    getCurrentUser,
    findUsers,
    getUserContact,
    eraseCurrentUser,
    eraseUser,
    getErasure,
    confirmErasure,
    rotateKeys,
    listKeys,
    registerClient,
    putBrowserClient,
    listClients,
    signCheckpoint,
    auditKeys,
  },
  events: [userRegistered, userErased],
});
