// jsfive (an optional peer dependency, read by the Keras import) ships no types; the tests use it untyped.
declare module 'jsfive';
