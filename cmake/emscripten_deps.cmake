# The header-only dependencies for the WebAssembly build (make web), from Debian's packages:
# nlohmann-json3-dev, libcli11-dev and libfmt-dev (fmt header-only). Emscripten's CMake
# toolchain searches only its own sysroot, and /usr/include as a whole would shadow its C library,
# so each library's folder is linked into the build tree and that is the include path.
set(TSIZE_DEBIAN_HEADERS ${PROJECT_BINARY_DIR}/debian-headers)
file(MAKE_DIRECTORY ${TSIZE_DEBIAN_HEADERS})
foreach(dir nlohmann CLI fmt)
  if(NOT EXISTS /usr/include/${dir})
    message(FATAL_ERROR "/usr/include/${dir} not found: run `make deps`")
  endif()
  if(NOT EXISTS ${TSIZE_DEBIAN_HEADERS}/${dir})
    file(CREATE_LINK /usr/include/${dir} ${TSIZE_DEBIAN_HEADERS}/${dir} SYMBOLIC)
  endif()
endforeach()
foreach(target nlohmann_json::nlohmann_json CLI11::CLI11 fmt::fmt Threads::Threads)
  add_library(${target} INTERFACE IMPORTED)
endforeach()
foreach(target nlohmann_json::nlohmann_json CLI11::CLI11 fmt::fmt)
  set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${TSIZE_DEBIAN_HEADERS})
endforeach()
set_target_properties(fmt::fmt PROPERTIES INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
