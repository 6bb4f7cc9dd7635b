# Preprocess a public header with -H and fail if any Beast or OpenSSL header
# is reached. Run with -DCXX=... -DINCLUDE_DIR=... -DHEADER=...
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/firewall_probe.cpp "#include <${HEADER}>\nint main() {}\n")
execute_process(
  COMMAND ${CXX} -std=c++17 -I${INCLUDE_DIR} -E -H ${CMAKE_CURRENT_BINARY_DIR}/firewall_probe.cpp -o /dev/null
  RESULT_VARIABLE rc
  ERROR_VARIABLE included)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "preprocessing ${HEADER} failed:\n${included}")
endif()
string(REGEX MATCHALL "[^\n]*(boost/beast/|openssl/)[^\n]*" bad "${included}")
string(REGEX MATCHALL "[^\n]*boost/asio/[^\n]*" asio "${included}")
list(LENGTH asio n_asio)
if(n_asio EQUAL 0)
  message(FATAL_ERROR "the probe saw no header at all; the check is broken")
endif()
if(bad)
  string(REPLACE ";" "\n" bad "${bad}")
  message(FATAL_ERROR "${HEADER} reaches forbidden headers:\n${bad}")
endif()
message(STATUS "${HEADER}: no boost/beast/ or openssl/ header among ${n_asio} Asio headers reached")
