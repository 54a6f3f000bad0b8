#pragma once
const char *greet(void);
