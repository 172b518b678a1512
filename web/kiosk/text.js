// text.js — the kiosk's own words, each once (the tree brings everything else).  They are
// English; the elements that hold them carry lang="en" so a screen reader speaking a tree in
// another language switches voice for them.
export const T = {
  kioskName: 'Self-service',
  loading: 'Loading…',
  welcome: 'Answer a few questions on this screen to get help straight away.',
  start: 'Start',
  startOver: 'Start over',
  talk: 'Talk to a person',
  continue: 'Continue',
  yes: 'Yes',
  no: 'No',
  answer: 'Your answer',
  optional: 'You can leave this empty.',
  thanksUsing: 'Thank you for using this service.',
  solved: 'Did this solve your problem?',
  bye: 'Thank you. Goodbye!',
  finish: 'Finish',
  staff: 'Please ask a member of staff for help.',
  talkHeading: 'Talk to a person',
  sorryHeading: 'Sorry, something went wrong',
  sorry: 'Please ask a member of staff for help, or start over.',
  unavailableHeading: 'This kiosk is not available',
  problem: 'There is a problem',
  required: 'Enter an answer',
  idleText: (n) => `To keep your details private, this screen will be cleared in ${n} second${n === 1 ? '' : 's'}.`,
  hints: {
    number: 'A number, for example 3',
    date: 'A date, for example 21 July 2026',
    email: 'An email address, for example name@example.com',
    phone: 'A phone number, for example 020 7946 0000',
  },
};
