# SHOAL_THREAD_SAFETY=ON: clang's thread-safety analysis over the whole tree, warnings as
# errors. First proves the analysis is live with these flags: tests/thread_safety/misuse.cc
# must compile as written and fail in each of its misuse cases.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "SHOAL_THREAD_SAFETY=ON needs clang: configure with "
                      "-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang "
                      "(this compiler is ${CMAKE_CXX_COMPILER_ID})")
endif()
set(SHOAL_THREAD_SAFETY_FLAGS -Wthread-safety -Werror=thread-safety)

set(misuse ${PROJECT_SOURCE_DIR}/tests/thread_safety/misuse.cc)
foreach(case 0 1 2 3 4)
  try_compile(compiled ${CMAKE_BINARY_DIR}/thread_safety_check/${case}
    SOURCES ${misuse}
    COMPILE_DEFINITIONS ${SHOAL_THREAD_SAFETY_FLAGS} -DSHOAL_MISUSE=${case}
    CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${PROJECT_SOURCE_DIR}"
    CXX_STANDARD 20
    OUTPUT_VARIABLE output)
  if(case EQUAL 0 AND NOT compiled)
    message(FATAL_ERROR "thread-safety check: the correct use in ${misuse} does not compile:\n"
                        "${output}")
  elseif(NOT case EQUAL 0 AND (compiled OR NOT output MATCHES "-Wthread-safety"))
    message(FATAL_ERROR "thread-safety check: misuse case ${case} of ${misuse} was not "
                        "rejected by the analysis:\n${output}")
  endif()
endforeach()
message(STATUS "Thread-safety analysis: on (misuse cases 1-4 rejected)")
add_compile_options(${SHOAL_THREAD_SAFETY_FLAGS})
