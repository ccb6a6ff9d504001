/** Public surface of the DRBD host files and answers shared by the plugin and the collector. */
export { openersFile, parseOpeners, readOpeners, type DrbdOpener } from './openers.js';
export { decodeOpenersAnswer, encodeOpenersAnswer, type OpenersAnswer } from './openers-answer.js';
