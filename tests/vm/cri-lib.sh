# tests/vm/cri-lib.sh - a CRI v1 client in shell, sourced by the VM lane's
# CRI case (busybox sh). Debian 12 has no crictl (cri-tools) and `ctr` speaks
# containerd's own API, not the CRI; so this speaks gRPC as kubelet does:
# protoc (protobuf-compiler) encodes the request from protobuf text format
# with the CRI's api.proto (tests/Rlrun.CriTests/Proto, cri-api v0.25.0), curl
# sends it over HTTP/2 to containerd's socket, and protoc decodes the answer.
#
#   CRI_SOCK=/run/x/containerd.sock CRI_PROTO=DIR-OF-api.proto
#   cri METHOD < REQUEST.txt      the response in text format on stdout;
#                                 non-zero and "METHOD: grpc-status N: MESSAGE"
#                                 on stderr when the call fails
#   field NAME < RESPONSE.txt     the first value of NAME (quotes taken off)

cri() {
  _m=$1 _svc=RuntimeService _d=${CRI_TMP:-/tmp}/cri.$$
  case $_m in PullImage|ImageStatus|ListImages|RemoveImage|ImageFsInfo) _svc=ImageService ;; esac
  protoc -I "$CRI_PROTO" --encode="runtime.v1.${_m}Request" "$CRI_PROTO/api.proto" > "$_d.req" \
    || { echo "$_m: protoc cannot encode the request" >&2; return 1; }
  # gRPC's frame: a zero byte (not compressed), the length (4 bytes, big-endian), the message
  _n=$(wc -c < "$_d.req")
  { printf '\0'
    printf "\\$(printf %03o $((_n >> 24 & 255)))\\$(printf %03o $((_n >> 16 & 255)))"
    printf "\\$(printf %03o $((_n >> 8 & 255)))\\$(printf %03o $((_n & 255)))"
    cat "$_d.req"; } > "$_d.frame"
  # the trailers (grpc-status, grpc-message) come with the headers in -D
  if ! curl -sS --max-time "${CRI_TIMEOUT:-120}" --http2-prior-knowledge --unix-socket "$CRI_SOCK" \
      -H 'content-type: application/grpc' -H 'te: trailers' --data-binary "@$_d.frame" \
      -D "$_d.head" -o "$_d.resp" "http://localhost/runtime.v1.$_svc/$_m" 2> "$_d.err"; then
    echo "$_m: curl: $(cat "$_d.err")" >&2; return 1
  fi
  _st=$(sed -n 's/^grpc-status: *\([0-9]*\).*/\1/p' "$_d.head" | tail -n1)
  if [ "$_st" != 0 ]; then
    echo "$_m: grpc-status ${_st:-none}: $(sed -n 's/^grpc-message: *//p' "$_d.head" | tr -d '\r' | tail -n1)" >&2
    return 1
  fi
  tail -c +6 "$_d.resp" | protoc -I "$CRI_PROTO" --decode="runtime.v1.${_m}Response" "$CRI_PROTO/api.proto"
}

field() { sed -n "s/^ *$1: //p" | head -n1 | sed 's/^"\(.*\)"$/\1/'; }
