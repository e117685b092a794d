export { bareRepoFrom } from '../../scripts/dev/git.js';
