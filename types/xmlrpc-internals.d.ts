// The xmlrpc package's internal modules, which lib/smapi/xmlrpc.ts imports directly and types itself.
declare module 'xmlrpc/lib/serializer.js' {
  const value: unknown;
  export default value;
}
declare module 'xmlrpc/lib/deserializer.js' {
  const value: unknown;
  export default value;
}
declare module 'xmlrpc/lib/customtype.js' {
  const value: unknown;
  export default value;
}
// sax (the parser under xmlrpc), which lib/smapi/xmlrpc.ts drives in strict mode and types itself.
declare module 'sax' {
  const value: unknown;
  export default value;
}
