import { answerTokens, countPromptTokens, parseMarkers } from './answer';

describe('parseMarkers', () => {
  it('reads every marker and strips them from the text', () => {
    const { markers, text } = parseMarkers('hello [[tokens:7]] world [[rate:12.5]][[first:30]] [[cut:3]] [[hang]] [[length]] [[fail:503]]');
    expect(markers).toEqual({ tokens: 7, rate: 12.5, first: 30, cut: 3, fail: 503, hang: true, length: true });
    expect(text).toBe('hello world');
  });

  it('keeps the first occurrence and ignores out-of-range statuses', () => {
    const { markers } = parseMarkers('[[tokens:2]] [[tokens:9]] [[fail:200]]');
    expect(markers.tokens).toBe(2);
    expect(markers.fail).toBeUndefined();
  });

  it('leaves malformed markers in the text', () => {
    expect(parseMarkers('a [[tokens:x]] b').text).toBe('a [[tokens:x]] b');
  });
});

describe('answerTokens', () => {
  it('echoes the message then pads with filler to exactly n tokens ending in a space', () => {
    const tokens = answerTokens('hi there', 6);
    expect(tokens).toEqual(['Echo: ', 'hi ', 'there ', 'lorem ', 'ipsum ', 'dolor ']);
    expect(tokens.every((t) => t.endsWith(' '))).toBe(true);
  });

  it('truncates a long message and is deterministic', () => {
    expect(answerTokens('a b c d e', 3)).toEqual(['Echo: ', 'a ', 'b ']);
    expect(answerTokens('x', 40)).toEqual(answerTokens('x', 40));
    expect(answerTokens('x', 0)).toEqual([]);
  });
});

describe('countPromptTokens', () => {
  it('counts words plus a per-message overhead', () => {
    expect(countPromptTokens([{ content: 'be brief' }, { content: 'hi there you' }])).toBe(3 + 4 + 2 + 4 + 3);
    expect(countPromptTokens([{ content: [{ type: 'text', text: 'one two' }] }, { content: null }])).toBe(3 + 4 + 2 + 4);
  });
});
