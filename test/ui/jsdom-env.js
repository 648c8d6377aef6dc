// Jest environment for the panel's render tests: jsdom, plus the TextEncoder and TextDecoder that
// every browser (and Figma's plugin iframe) has but jest's jsdom environment leaves out. The panel
// needs them when it loads: its PNG encoder (fast-png, through iobuffer) makes a TextEncoder at
// import time. Use it with the docblock
//   /** @jest-environment ./test/ui/jsdom-env.js */
const { TestEnvironment } = require('jest-environment-jsdom');
const { TextDecoder, TextEncoder } = require('node:util');

class PanelDomEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    if (!this.global.TextEncoder) this.global.TextEncoder = TextEncoder;
    if (!this.global.TextDecoder) this.global.TextDecoder = TextDecoder;
  }
}

module.exports = PanelDomEnvironment;
