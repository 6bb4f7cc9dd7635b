# List the dynamic symbols a shared chatlink defines and fail on any that is
# neither chatlink's own nor one its dependencies make visible on purpose.
# Run with -DNM=... -DLIBRARY=...
#
# The library is built with hidden visibility, and only what the headers
# mark CHATLINK_DECL is exported. Three kinds of foreign symbols are
# nevertheless visible, by their own headers' choice, and allowed here:
#   - Asio's: boost/asio/detail/push_options.hpp declares everything of Asio
#     with default visibility, so that its per-thread call stacks and
#     service ids are one per process whichever binary instantiates them;
#   - namespace std's instantiations (libstdc++ declares namespace std
#     with default visibility);
#   - Boost.System's error categories and Boost's exception wrappers
#     (BOOST_SYMBOL_VISIBLE), so that they compare and catch across binaries;
#   - the RTTI of Boost's other BOOST_SYMBOL_VISIBLE classes (exceptions,
#     shared_ptr's control block);
# and the symbols the sanitizers add. Anything else (Beast, Boost.JSON,
# Boost.URL, chatlink internals) fails.
execute_process(COMMAND ${NM} -D --defined-only ${LIBRARY}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed: ${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(ours 0)
set(theirs 0)
set(bad "")
# The namespace of a mangled name: after _Z, the special-name prefix
# (typeinfo TI, its name TS, vtable TV, VTT TT, construction vtable TC,
# guard variable GV, TLS init TH and wrapper TW), the nested-name N with its
# qualifiers, then <length><identifier> components (St.. is std::).
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^[0-9a-f]* *[A-Za-z] " "" sym "${line}")
  if(sym STREQUAL "")
    continue()
  endif()
  if(NOT sym MATCHES "^_Z")
    if(sym MATCHES "^(boost_asio_|__asan|__odr_asan|__sancov|___asan|__ubsan|__sanitizer|__tsan|_init$|_fini$|_edata$|_end$|__bss_start$)")
      math(EXPR theirs "${theirs} + 1")
    else()
      list(APPEND bad "${sym}")
    endif()
    continue()
  endif()
  string(REGEX REPLACE "^_Z(TI|TS|TV|TT|TC|GV|GR|TH|TW)*" "" m "${sym}")
  string(REGEX REPLACE "^N[rVKRO]*" "" m "${m}")
  set(path "")
  foreach(i RANGE 1)
    string(REGEX MATCH "^[0-9]+" len "${m}")
    if(len STREQUAL "")
      break()
    endif()
    string(LENGTH "${len}" digits)
    string(SUBSTRING "${m}" ${digits} ${len} ident)
    math(EXPR skip "${digits} + ${len}")
    string(SUBSTRING "${m}" ${skip} -1 m)
    list(APPEND path "${ident}")
  endforeach()
  list(JOIN path "::" ns)
  if(ns MATCHES "^chatlink")
    if(ns MATCHES "^chatlink::detail" AND NOT m MATCHES "^10fail_after")
      list(APPEND bad "${sym}")
    else()
      math(EXPR ours "${ours} + 1")
    endif()
  elseif(ns STREQUAL "" # std:: (St, Sa, ...) or the RTTI of a function or pointer type (UBSan)
      OR ns MATCHES "^(boost::asio|boost_asio_|boost::system|boost::wrapexcept|boost::exception_detail|boost::exception|__gnu_cxx)"
      # RTTI of Boost's BOOST_SYMBOL_VISIBLE classes (exceptions, shared_ptr's control block)
      OR (sym MATCHES "^_ZT[ISV]N5boost" AND NOT ns MATCHES "^boost::(beast|json|urls)"))
    math(EXPR theirs "${theirs} + 1")
  else()
    list(APPEND bad "${sym}")
  endif()
endforeach()
if(ours EQUAL 0)
  message(FATAL_ERROR "${LIBRARY} exports no chatlink symbol: the check is broken")
endif()
if(bad)
  list(LENGTH bad n)
  list(SUBLIST bad 0 40 some)
  string(REPLACE ";" "\n  " some "${some}")
  message(FATAL_ERROR "${LIBRARY} exports ${n} symbols that are not chatlink's API (c++filt them), such as:\n  ${some}")
endif()
message(STATUS "${LIBRARY}: ${ours} chatlink symbols, ${theirs} of Asio, std and Boost.System that their headers make visible, no other")
