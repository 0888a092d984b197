#!/usr/bin/env bash
# The dependency rule (STYLE.md §1): the pure layers include no operating-system header, read no
# clock and touch no file descriptor. Prints each violation; exits 1 if there is any.
set -u
cd "$(dirname "$0")/.."
pure_dirs=(src/common src/wire src/esp src/m6t src/dsmip6 src/dsmip4)
status=0
for dir in "${pure_dirs[@]}"; do
  [ -d "$dir" ] || continue
  # OS headers and threads.
  if grep -nE '^\s*#\s*include\s*<(sys/|linux/|net/|netinet/|netpacket/|arpa/|unistd\.h|fcntl\.h|poll\.h|thread>|pthread\.h|signal\.h|ifaddrs\.h|netdb\.h)' \
      -r "$dir" --include='*.hpp' --include='*.cpp'; then
    echo "check-layers: $dir includes an operating-system header (only src/platform may)" >&2
    status=1
  fi
  # Clocks: cores receive time as an argument.
  if grep -nE '(system_clock|steady_clock|high_resolution_clock)::now|\bclock_gettime\b|\btime\(nullptr\)|\bgettimeofday\b' \
      -r "$dir" --include='*.hpp' --include='*.cpp'; then
    echo "check-layers: $dir reads a clock (pass TimePoint in instead)" >&2
    status=1
  fi
  # File descriptors and sockets.
  if grep -nE '\b(socket|recvfrom|sendto|recvmmsg|sendmmsg|ioctl|epoll_[a-z]+|getrandom)\s*\(' \
      -r "$dir" --include='*.hpp' --include='*.cpp' | grep -vE '^[^:]+:[0-9]+:\s*//'; then
    echo "check-layers: $dir makes system calls (only src/platform may)" >&2
    status=1
  fi
done
# platform knows no protocol.
if [ -d src/platform ] && grep -nE '#\s*include\s*"(wire|esp|m6t|dsmip6|dsmip4|daemon|cli)/' -r src/platform; then
  echo "check-layers: src/platform includes a protocol header" >&2
  status=1
fi
[ $status -eq 0 ] && echo "check-layers: pure layers are clean"
exit $status
