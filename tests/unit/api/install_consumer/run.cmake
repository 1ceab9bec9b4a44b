# ctest driver: install the api component into a scratch prefix, then configure, build and run
# the consumer and the BITS sample against it with CMake, and the consumer again with pkg-config;
# then the whole install into a prefix of its own, where the installed shoal must start.
# -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DEXAMPLE=tools/examples/bits_sample.cc
# -DVERSION=<project version>
file(REMOVE_RECURSE ${WORK_DIR})
# A sanitized libshoal.so needs consumers built with the same sanitizers.
set(san_flags "")
if(SANITIZE)
  set(san_flags "-fsanitize=${SANITIZE}")
endif()
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --component api --prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G Ninja
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Debug -DSHOAL_EXAMPLE=${EXAMPLE}
    "-DCMAKE_CXX_FLAGS=${san_flags}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
# pkg-config: flags from the installed shoal.pc only.
file(GLOB pc_file ${WORK_DIR}/prefix/lib*/pkgconfig/shoal.pc ${WORK_DIR}/prefix/lib/*/pkgconfig/shoal.pc)
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
execute_process(COMMAND pkg-config --cflags --libs shoal OUTPUT_VARIABLE flags RESULT_VARIABLE rc
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config does not find shoal under ${WORK_DIR}/prefix")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
run(c++ -std=c++17 ${san_flags} ${SOURCE_DIR}/main.cc -o ${WORK_DIR}/pc_consumer ${flags})
set(ENV{LD_LIBRARY_PATH} ${pc_dir}/..)
run(${WORK_DIR}/pc_consumer)

# Everything, into a non-system prefix: shoal finds its libshoal.so.0 there by its RUNPATH
# ($ORIGIN/../lib), with no LD_LIBRARY_PATH, and the man page and completion are in place.
unset(ENV{LD_LIBRARY_PATH})
set(full ${WORK_DIR}/full)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${full})
execute_process(COMMAND ${full}/bin/shoal --version RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "shoal ${VERSION}")
  message(FATAL_ERROR "${full}/bin/shoal --version: exit ${rc}, \"${out}\" (want \"shoal ${VERSION}\")\n${err}")
endif()
# The library it runs with is the prefix's, not one installed elsewhere on the machine.
execute_process(COMMAND ${CMAKE_COMMAND} -E env LD_TRACE_LOADED_OBJECTS=1 ${full}/bin/shoal
                OUTPUT_VARIABLE loaded)
if(NOT loaded MATCHES "libshoal\\.so\\.0 => ${full}/")
  message(FATAL_ERROR "${full}/bin/shoal does not load ${full}'s libshoal.so.0:\n${loaded}")
endif()
foreach(f share/man/man1/shoal.1 share/man/man8/shoald.8 share/bash-completion/completions/shoal
          share/doc/shoal/copyright share/doc/shoal/CHANGELOG.md include/shoal/version.h)
  if(NOT EXISTS ${full}/${f})
    message(FATAL_ERROR "not installed: ${full}/${f}")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
