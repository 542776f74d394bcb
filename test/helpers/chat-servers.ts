/** The local chat servers live in src/devchat (the demo uses them too); tests import them from here. */
export * from '../../src/devchat/index.js';
